#include "common/background.h"

#include <cstdio>
#include <string>

namespace mw {

void ReportBackgroundError(BackgroundErrorReporter* reporter, std::string_view thread,
                           std::string_view what) noexcept {
  if (reporter != nullptr) {
    reporter->OnBackgroundError(thread, what);
    return;
  }
  std::fprintf(stderr, "modelwatch: background thread %.*s: a pass failed: %.*s\n",
               static_cast<int>(thread.size()), thread.data(), static_cast<int>(what.size()),
               what.data());
}

}  // namespace mw
