// The teacher's arrays in device memory, as the TeacherView the per-restart functions read (.cu
// files only).
#pragma once
#include "core/cuda_util.hpp"
#include "teacher/restart.hpp"
#include "teacher/teacher.hpp"

namespace relufast::teacher::cuda {

struct DeviceTeacher {
  relufast::cuda::DeviceBuffer<double> v, vb, vn, vbn;
  TeacherView view;
  explicit DeviceTeacher(const Teacher& T)
      : v(T.v.data(), T.v.size()), vb(T.vb.data(), T.vb.size()), vn(T.vn.data(), T.vn.size()),
        vbn(T.vbn.data(), T.vbn.size()),
        view{T.k, T.d, T.identity, v.p, vb.p, vn.p, vbn.p, T.half_vv} {}
};

}  // namespace relufast::teacher::cuda
