// The parameter layout of a dense net (shared with relufast/mlp.py).
#include <algorithm>
#include <stdexcept>

#include "mlp/mlp.hpp"

namespace relufast::mlp {

Net::Net(const std::vector<int>& s, bool ob, Activation act)
    : sizes(s), output_bias(ob), activation(act) {
  if (sizes.size() < 2) throw std::invalid_argument("sizes needs at least 2 entries");
  if (act != RELU && act != SIGMOID)
    throw std::invalid_argument("activation code must be 0 (relu) or 1 (sigmoid)");
  for (int x : sizes)
    if (x < 1) throw std::invalid_argument("sizes must be >= 1");
  layers = int(sizes.size()) - 1;
  int64_t off = 0;
  for (int k = 0; k < layers; ++k) {
    w_off.push_back(off);
    off += int64_t(sizes[k]) * sizes[k + 1];
    if (k + 1 < layers || output_bias) {
      b_off.push_back(off);
      off += sizes[k + 1];
    } else {
      b_off.push_back(-1);
    }
  }
  P = off;
  for (int x : sizes) max_width = std::max(max_width, x);
}

}  // namespace relufast::mlp
