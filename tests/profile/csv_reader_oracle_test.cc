// Cross-checks the RFC 4180 reader against Python's csv module on randomly generated tables with
// random quoting, embedded separators, quotes and line breaks, and LF or CRLF record ends.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "profile/detail/csv_reader.h"
#include "testing/python_oracle.h"

namespace mw::profile::detail {
namespace {

using Records = std::vector<std::vector<std::string>>;

std::string RandomField(std::mt19937_64& rng) {
  static constexpr std::string_view kAlphabet = "ab1.-,\"\n\r ";
  std::string field(rng() % 6, ' ');
  for (char& c : field) c = kAlphabet[rng() % kAlphabet.size()];
  return field;
}

// Writes `records` as CSV: fields that need it are quoted, some others too; CR only ever appears
// inside quotes (Python's reader would end a record at a bare CR, RFC 4180 does not).
std::string WriteCsv(const Records& records, std::mt19937_64& rng) {
  const bool crlf = rng() % 2 == 0, trailing = rng() % 2 == 0;
  std::string out;
  for (size_t r = 0; r < records.size(); ++r) {
    for (size_t f = 0; f < records[r].size(); ++f) {
      const std::string& field = records[r][f];
      if (f > 0) out += ',';
      const bool needs =
          field.find_first_of(",\n\r") != std::string::npos || (!field.empty() && field[0] == '"');
      if (needs || rng() % 4 == 0) {
        out += '"';
        for (const char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        out += '"';
      } else {
        out += field;
      }
    }
    if (r + 1 < records.size() || trailing) out += crlf ? "\r\n" : "\n";
  }
  return out;
}

Records ReadAll(std::string_view csv) {
  CsvReader reader(csv);
  Records records;
  std::vector<std::string_view> fields;
  for (;;) {
    Result<bool> next = reader.Next(&fields);
    EXPECT_TRUE(next.has_value()) << next.status().ToString();
    if (!next.has_value() || !*next) break;
    records.emplace_back(fields.begin(), fields.end());
  }
  return records;
}

TEST(CsvReaderOracleTest, AgreesWithPythonsCsvModule) {
  std::mt19937_64 rng(2024);
  std::vector<std::string> texts;
  for (int t = 0; t < 400; ++t) {
    const size_t columns = 1 + rng() % 4, rows = 1 + rng() % 6;
    Records records(rows, std::vector<std::string>(columns));
    for (auto& record : records) {
      for (auto& field : record) field = RandomField(rng);
    }
    texts.push_back(WriteCsv(records, rng));
  }
  const std::string program = R"(
import csv, io, json, sys
texts = json.load(sys.stdin)
out = []
for text in texts:
    # Python returns [] for a blank line; the reader under test skips blank lines.
    out.append([row for row in csv.reader(io.StringIO(text, newline=''), strict=True) if row])
json.dump(out, sys.stdout)
)";
  const nlohmann::json expected =
      nlohmann::json::parse(mw::testing::RunPython(program, nlohmann::json(texts).dump()));
  ASSERT_EQ(expected.size(), texts.size());
  for (size_t t = 0; t < texts.size(); ++t) {
    EXPECT_EQ(ReadAll(texts[t]), expected[t].get<Records>()) << nlohmann::json(texts[t]).dump();
  }
}

}  // namespace
}  // namespace mw::profile::detail
