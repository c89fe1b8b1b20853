#include "profile/detail/float_keys.h"

#include <boost/sort/spreadsort/integer_sort.hpp>

namespace mw::profile::detail {

void SortValues(std::vector<double>* values) {
  std::vector<uint64_t> keys(values->size());
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = OrderedKey((*values)[i]);
  boost::sort::spreadsort::integer_sort(keys.begin(), keys.end());
  for (size_t i = 0; i < keys.size(); ++i) (*values)[i] = FromOrderedKey(keys[i]);
}

}  // namespace mw::profile::detail
