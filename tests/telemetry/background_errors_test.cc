#include "telemetry/background_errors.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "telemetry/metrics.h"
#include "telemetry/test_util.h"

namespace mw::telemetry {
namespace {

using telemetry_test::ReadFile;
using telemetry_test::TempDir;

TEST(BackgroundErrorLogTest, AFailedPassIsLoggedAndCountedUnderItsThread) {
  TempDir dir;
  LoggerOptions lo;
  lo.dir = dir.path().string();
  lo.stdout_enabled = false;
  Logger logger(lo);
  MetricsOptions mo;
  mo.system_metrics = false;
  Metrics metrics(mo);
  BackgroundErrorMetrics counts(metrics.registry());
  BackgroundErrorLog reporter(&logger, &counts);
  EXPECT_FALSE(RunBackgroundPass(&reporter, "evaluator",
                                 [] { throw std::runtime_error("invalid UTF-8 byte"); }));
  logger.Flush();
  const std::string log = ReadFile(logger.app_log_path());
  EXPECT_NE(log.find(R"("message":"background pass failed")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("thread.name":"evaluator")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("error.message":"invalid UTF-8 byte")"), std::string::npos) << log;
  EXPECT_NE(metrics.Serialize().find("modelwatch_background_errors_total{thread=\"evaluator\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace mw::telemetry
