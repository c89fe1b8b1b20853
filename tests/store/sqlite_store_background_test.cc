// The store's threads do not die on an exception (common/background.h): a completion callback
// that throws is reported and the writer goes on; the other requests are still answered.
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/background.h"
#include "store/store_test_util.h"

namespace mw::testing {
namespace {

class RecordingReporter : public BackgroundErrorReporter {
 public:
  void OnBackgroundError(std::string_view thread, std::string_view what) noexcept override {
    std::lock_guard lock(mu);
    errors.emplace_back(std::string(thread) + ": " + std::string(what));
  }
  std::mutex mu;
  std::vector<std::string> errors;
};

TEST(SqliteStoreBackgroundTest, ACompletionThatThrowsIsReportedAndTheWriterGoesOn) {
  TempDir dir;
  RecordingReporter reporter;
  store::SqliteStoreOptions o;
  o.path = dir.File("m.db");
  o.errors = &reporter;
  auto store = store::OpenSqliteStore(o);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  std::promise<void> threw;
  (*store)->AppendPredictions({Event("a")}, [&](Result<store::PredictionBatchResult> r) {
    EXPECT_TRUE(r.has_value());
    threw.set_value();
    throw std::runtime_error("callback bug");
  });
  threw.get_future().get();
  // The writer survived: later writes are stored and answered.
  auto next = Append(**store, {Event("b")});
  ASSERT_TRUE(next.has_value()) << next.error().ToString();
  EXPECT_EQ(next->inserted, 1);
  auto stored = (*store)->GetPrediction("a");
  EXPECT_TRUE(stored.has_value());  // the throwing callback's batch was committed
  EXPECT_TRUE((*store)->Ping().ok());
  {
    std::lock_guard lock(reporter.mu);
    ASSERT_EQ(reporter.errors.size(), 1u);
    EXPECT_EQ(reporter.errors[0], "store_writer: callback bug");
  }
  (*store)->Close();
}

}  // namespace
}  // namespace mw::testing
