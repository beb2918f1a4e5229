// pybind11 helpers shared by the binding files.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>

namespace relufast::bind {

namespace py = pybind11;
// Read-only inputs: converted to C-contiguous float64 if needed.
using In = py::array_t<double, py::array::c_style | py::array::forcecast>;
// In/out buffers: must already be C-contiguous of the right dtype (bound with .noconvert()).
template <class T>
using Out = py::array_t<T, py::array::c_style>;

inline void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

}  // namespace relufast::bind
