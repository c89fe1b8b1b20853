// Time and duration parameters from outside are range-checked (issue 17, defect 10): query
// parameters answer 400 naming the parameter, CLI flags exit 2 naming the flag. Before, `from` in
// unix seconds was multiplied by 1000 without a check (signed overflow, a 200 with a window in
// 1969) and any window was accepted.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;

// The pointers of a 400 problem answer; empty (and a failure) for any other answer.
std::vector<std::string> BadParameters(HttpClient& client, const std::string& target) {
  const HttpResult r = client.Get(target);
  EXPECT_EQ(r.status, 400) << target << " -> " << r.status << " " << r.body;
  std::vector<std::string> pointers;
  if (r.status != 400) return pointers;
  const json problem = json::parse(r.body);
  for (const json& e : problem["errors"]) pointers.push_back(e["pointer"]);
  return pointers;
}

using Pointers = std::vector<std::string>;

TEST(TimeParameterTest, OutOfRangeTimesAndWindowsAre400NamingTheParameter) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  HttpClient client = server.Client();
  ASSERT_EQ(client.Send("PUT", "/v1/models/demand", R"({"task":"regression"})").status, 201);
  const std::string performance = "/v1/models/demand/performance";

  // The issue's examples.
  EXPECT_EQ(BadParameters(client, performance + "?from=9223372036854775807"),
            Pointers{"/query/from"});
  EXPECT_EQ(BadParameters(client, performance + "?window=999999999d"), Pointers{"/query/window"});
  // Both ends of the time range, in both forms, and the longest window.
  EXPECT_EQ(BadParameters(client, performance + "?from=-1&to=253402300800"),
            (Pointers{"/query/from", "/query/to"}));
  EXPECT_EQ(BadParameters(client, performance + "?from=1969-12-31T23:59:59Z"),
            Pointers{"/query/from"});
  EXPECT_EQ(BadParameters(client, performance + "?window=3651d"), Pointers{"/query/window"});
  EXPECT_EQ(
      BadParameters(client, "/v1/models/demand/history?metric=mae&bucket=9223372036854775807ms"),
      Pointers{"/query/bucket"});
  EXPECT_EQ(BadParameters(client, "/v1/alerts/history?to=-9223372036854775808"),
            Pointers{"/query/to"});
  const HttpResult detail = client.Get(performance + "?to=99999999999999");
  EXPECT_NE(detail.body.find("from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"),
            std::string::npos)
      << detail.body;

  // Within the range: answered.
  for (const std::string& ok :
       {performance + "?window=3650d", performance + "?from=0&to=253402300799",
        performance + "?from=1970-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z",
        std::string("/v1/alerts/history?from=0")}) {
    const HttpResult r = client.Get(ok);
    EXPECT_EQ(r.status, 200) << ok << " -> " << r.body;
  }

  // A JSON window in a reference upload: integers past the range (or past int64) are refused.
  for (const std::string& body : {std::string(R"({"from": 0, "to": 9223372036854775807})"),
                                  std::string(R"({"from": 0, "to": 18446744073709551615})"),
                                  std::string(R"({"from": -1, "to": 1})")}) {
    const HttpResult r = client.PostJson("/v1/models/demand/versions/v2/reference", body);
    EXPECT_EQ(r.status, 422) << body << " -> " << r.body;
  }
}

TEST(TimeParameterTest, OutOfRangeTimeAndDurationFlagsExit2NamingTheFlag) {
  const std::string bin = ModelwatchBinary();
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  const std::vector<Case> cases = {
      {{"simulate", "--target", "http://127.0.0.1:1", "--start", "2020-01-01T00:00:00Z", "--span",
        "9223372036854775807ms"},
       "--span"},
      {{"simulate", "--target", "http://127.0.0.1:1", "--start", "-9223372036854775807ms"},
       "--start"},
      {{"simulate", "--target", "http://127.0.0.1:1", "--start", "1969-12-31T00:00:00Z", "--span",
        "1d"},
       "--start"},
      {{"simulate", "--target", "http://127.0.0.1:1", "--duration", "999999999d"}, "--duration"},
      {{"performance", "--model", "m", "--server", "http://127.0.0.1:1", "--window", "999999999d"},
       "--window"},
      {{"check-drift", "--model", "m", "--server", "http://127.0.0.1:1", "--window", "3651d"},
       "--window"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {bin};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 2) << c.flag << ": " << r.output;
    EXPECT_NE(r.output.find(c.flag), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace mw::testing
