// An RFC 4180 record reader over CSV text held in memory (internal to src/profile).
//
// Records end at LF or CRLF; fields are separated by commas; a field that starts with a double
// quote runs to the matching closing quote and may contain commas, line breaks and doubled
// quotes ("" stands for one "). A quote inside an unquoted field is kept as data. Lines that are
// empty (or hold only CR) outside quotes are skipped, so a trailing line break adds no record.
// A UTF-8 byte-order mark at the start is skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mw::profile::detail {

class CsvReader {
 public:
  // `text` must outlive the reader and the fields it returns.
  explicit CsvReader(std::string_view text);

  // Names used in error messages for fields by position (normally the header).
  void set_column_names(const std::vector<std::string>* names) { names_ = names; }

  // Reads the next record into `fields` (views into the text, or into the reader for fields with
  // doubled quotes; valid until the next call). Returns true with a record, false at the end of
  // the text, or kInvalidArgument naming the line for an unterminated quoted field or text after
  // a closing quote.
  Result<bool> Next(std::vector<std::string_view>* fields);

  // The 1-based line on which the record last returned began.
  int64_t line() const { return record_line_; }

  // "column "name"" for a field position, or "field N" past the known names.
  std::string DescribeField(size_t index) const;

 private:
  struct Span {
    bool in_arena;
    size_t offset, size;
  };

  bool SkipBlankLines();
  Status ReadQuoted(size_t field_index, Span* span);
  Status Error(size_t field_index, std::string_view what) const;

  std::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 1, record_line_ = 0;
  const std::vector<std::string>* names_ = nullptr;
  std::string arena_;  // unescaped text of the current record's fields with doubled quotes
  std::vector<Span> spans_;
};

}  // namespace mw::profile::detail
