#include "profile/detail/csv_reader.h"

#include <algorithm>
#include <cstring>

namespace mw::profile::detail {

CsvReader::CsvReader(std::string_view text) : text_(text) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

std::string CsvReader::DescribeField(size_t index) const {
  if (names_ != nullptr && index < names_->size()) return "column \"" + (*names_)[index] + "\"";
  return "field " + std::to_string(index + 1);
}

Status CsvReader::Error(size_t field_index, std::string_view what) const {
  return InvalidArgument("line " + std::to_string(record_line_) + ": " +
                         DescribeField(field_index) + ": " + std::string(what));
}

// Skips lines that hold nothing (or only a CR) and returns whether text is left.
bool CsvReader::SkipBlankLines() {
  const size_t size = text_.size();
  while (pos_ < size) {
    if (text_[pos_] == '\n') {
      ++pos_;
    } else if (text_[pos_] == '\r' && (pos_ + 1 == size || text_[pos_ + 1] == '\n')) {
      pos_ += pos_ + 1 == size ? 1 : 2;
    } else {
      return true;
    }
    ++line_;
  }
  return false;
}

// Reads a quoted field starting at the opening quote; leaves pos_ just after the closing quote.
Status CsvReader::ReadQuoted(size_t field_index, Span* span) {
  const char* const data = text_.data();
  const size_t size = text_.size();
  size_t start = ++pos_;
  bool escaped = false;
  size_t arena_start = arena_.size();
  for (;;) {
    const void* found = std::memchr(data + pos_, '"', size - pos_);
    if (found == nullptr) return Error(field_index, "unterminated quoted field");
    const size_t quote = static_cast<const char*>(found) - data;
    line_ += std::count(data + pos_, data + quote, '\n');
    if (quote + 1 < size && data[quote + 1] == '"') {
      if (!escaped) {
        escaped = true;
        arena_start = arena_.size();
      }
      arena_.append(data + start, quote + 1 - start);  // the text and one quote
      pos_ = start = quote + 2;
      continue;
    }
    if (escaped) {
      arena_.append(data + start, quote - start);
      *span = {true, arena_start, arena_.size() - arena_start};
    } else {
      *span = {false, start, quote - start};
    }
    pos_ = quote + 1;
    return Status::Ok();
  }
}

Result<bool> CsvReader::Next(std::vector<std::string_view>* fields) {
  fields->clear();
  spans_.clear();
  arena_.clear();
  if (!SkipBlankLines()) return false;
  record_line_ = line_;
  const char* const data = text_.data();
  const size_t size = text_.size();
  for (;;) {
    Span span{};
    if (pos_ < size && data[pos_] == '"') {
      if (Status status = ReadQuoted(spans_.size(), &span); !status.ok()) return status;
      spans_.push_back(span);
      if (pos_ == size) break;
      if (data[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (data[pos_] == '\n' ||
          (data[pos_] == '\r' && (pos_ + 1 == size || data[pos_ + 1] == '\n'))) {
        pos_ += data[pos_] == '\n' || pos_ + 1 == size ? 1 : 2;
        ++line_;
        break;
      }
      return Error(spans_.size() - 1, "unexpected text after a closing quote");
    }
    const size_t start = pos_;
    while (pos_ < size && data[pos_] != ',' && data[pos_] != '\n') ++pos_;
    size_t end = pos_;
    if (pos_ < size && data[pos_] == ',') {
      spans_.push_back({false, start, end - start});
      ++pos_;
      continue;
    }
    if (end > start && data[end - 1] == '\r') --end;  // CRLF, or a CR before the end of the text
    spans_.push_back({false, start, end - start});
    if (pos_ < size) {
      ++pos_;
      ++line_;
    }
    break;
  }
  fields->reserve(spans_.size());
  for (const Span& span : spans_) {
    fields->emplace_back(span.in_arena ? arena_.data() + span.offset : data + span.offset,
                         span.size);
  }
  return true;
}

}  // namespace mw::profile::detail
