#include "pxecheck/base/anomaly.hpp"

#include <algorithm>

namespace pxecheck {

bool has_anomaly(const Anomalies& list, std::string_view id) {
    return std::any_of(list.begin(), list.end(), [&](const Anomaly& a) { return a.id == id; });
}

}  // namespace pxecheck
