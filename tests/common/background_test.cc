#include "common/background.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace mw {
namespace {

class RecordingReporter : public BackgroundErrorReporter {
 public:
  void OnBackgroundError(std::string_view thread, std::string_view what) noexcept override {
    errors.emplace_back(std::string(thread) + ": " + std::string(what));
  }
  std::vector<std::string> errors;
};

TEST(BackgroundTest, APassThatReturnsReportsNothing) {
  RecordingReporter reporter;
  int runs = 0;
  EXPECT_TRUE(RunBackgroundPass(&reporter, "evaluator", [&] { ++runs; }));
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(reporter.errors.empty());
}

TEST(BackgroundTest, AnExceptionIsReportedWithTheThreadNameInsteadOfEscaping) {
  RecordingReporter reporter;
  EXPECT_FALSE(
      RunBackgroundPass(&reporter, "evaluator", [] { throw std::runtime_error("bad byte"); }));
  EXPECT_FALSE(RunBackgroundPass(&reporter, "outbox", [] { throw 42; }));
  ASSERT_EQ(reporter.errors.size(), 2u);
  EXPECT_EQ(reporter.errors[0], "evaluator: bad byte");
  EXPECT_EQ(reporter.errors[1], "outbox: an exception of unknown type");
}

TEST(BackgroundTest, WithoutAReporterTheErrorGoesToStderr) {
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(RunBackgroundPass(nullptr, "refresher", [] { throw std::runtime_error("x"); }));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("refresher"), std::string::npos) << err;
  EXPECT_NE(err.find(": x"), std::string::npos) << err;
}

}  // namespace
}  // namespace mw
