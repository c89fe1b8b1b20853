// The bounded error list of ingest/detail/error_sink.h.
#include "ingest/detail/error_sink.h"

#include <gtest/gtest.h>

#include <string>

namespace mw::ingest::detail {
namespace {

TEST(ErrorSink, KeepsAtMostOneHundredButCountsAll) {
  ErrorSink sink;
  for (size_t i = 0; i < 150; ++i) {
    std::string pointer;
    AppendJsonPointerIndex(&pointer, i);
    sink.Add(pointer, "bad");
  }
  EXPECT_EQ(sink.count(), 150u);
  EXPECT_EQ(sink.Take().size(), ErrorSink::kMaxReportedErrors);
}

}  // namespace
}  // namespace mw::ingest::detail
