// Request-body shapes (single object, {"events"|"actuals":[...]}, NDJSON) around the per-object
// decoders in detail/. simdjson's On Demand API is used rather than its DOM: it parses each value
// straight into the event as it is read, without building a tape of the whole body first, and it
// lets the decoders see NaN/Infinity tokens (which the DOM parser rejects for the whole body
// without saying where) so those come out as field errors. Stage 1 of simdjson (structural
// indexing) dispatches at run time to the best SIMD kernel of the CPU.
#include "ingest/decode.h"

#include <cstring>

#include "common/json_limits.h"
#include "ingest/detail/actual_decoder.h"
#include "ingest/detail/error_sink.h"
#include "ingest/detail/prediction_decoder.h"

namespace mw::ingest {
namespace {

using detail::ErrorSink;
using detail::ondemand::array;
using detail::ondemand::document;
using detail::ondemand::field;
using detail::ondemand::object;
using detail::ondemand::parser;
using detail::ondemand::value;
using simdjson::error_code;

bool IsBlank(std::string_view s) {
  for (const char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

char FirstNonBlank(std::string_view s) {
  for (const char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return c;
  }
  return '\0';
}

std::string InvalidJson(error_code error) { return JsonErrorMessage(error); }

// A document is fully consumed when the iterator has no token left.
bool AtEnd(document& doc) { return doc.current_location().error() == simdjson::OUT_OF_BOUNDS; }

// Validates a document whose root is not an object (so that a well-formed non-object line of
// NDJSON is told apart from a malformed one). On Demand cannot treat a root scalar as a value.
error_code ValidateNonObjectRoot(document& doc, char first) {
  error_code error = simdjson::SUCCESS;
  switch (first) {
    case '[': {
      value root;
      error = doc.get_value().get(root);
      if (!error) error = SkipJsonValue(root);
      break;
    }
    case '"': {
      std::string_view s;
      error = doc.get_string().get(s);
      break;
    }
    case 't':
    case 'f': {
      bool b;
      error = doc.get_bool().get(b);
      break;
    }
    case 'n': {
      bool is_null = false;
      error = doc.is_null().get(is_null);
      if (!error && !is_null) error = simdjson::N_ATOM_ERROR;
      break;
    }
    default: {
      double d;
      error = doc.get_double().get(d);
      break;
    }
  }
  if (!error && !AtEnd(doc)) error = simdjson::TRAILING_CONTENT;
  return error;
}

// Runs an element decoder (PredictionDecoder or ActualDecoder) over the body's shape.
template <typename ElementDecoder>
class BodyDecoder {
 public:
  BodyDecoder(const DecodeOptions& options, ElementDecoder* element, ErrorSink* errors)
      : options_(options), element_(element), errors_(errors) {}

  DecodeFailure Run(std::string_view body, BodyFormat format) {
    body = StripUtf8Bom(body);
    if (IsBlank(body)) return Fail(DecodeFailure::kMalformed, "", "the body is empty");
    // simdjson reads up to SIMDJSON_PADDING bytes past the end of the input; a string_view
    // gives no such guarantee, so the body is copied (cheap next to the parse itself).
    const simdjson::padded_string padded(body);
    if (padded.data() == nullptr) return Fail(DecodeFailure::kMalformed, "", "body too large");
    const DecodeFailure failure =
        format == BodyFormat::kNdjson ? RunNdjson(padded) : RunJson(padded);
    if (failure != DecodeFailure::kNone) return failure;
    return errors_->empty() ? DecodeFailure::kNone : DecodeFailure::kInvalid;
  }

  FieldError TakeFatal() { return std::move(fatal_); }

 private:
  DecodeFailure Fail(DecodeFailure failure, std::string pointer, std::string detail) {
    fatal_ = {std::move(pointer), std::move(detail)};
    return failure;
  }
  DecodeFailure TooMany(std::string pointer) {
    return Fail(DecodeFailure::kTooManyEvents, std::move(pointer),
                std::string("too many ") + std::string(ElementDecoder::kNoun) + ": at most " +
                    std::to_string(options_.max_events) + " per request");
  }

  DecodeFailure RunJson(const simdjson::padded_string& padded) {
    if (FirstNonBlank(padded) != '{') {
      return Fail(DecodeFailure::kMalformed, "", "the body must be a JSON object");
    }
    document doc;
    object root;
    if (auto error = parser_.iterate(padded).get(doc)) return Malformed("", error);
    if (auto error = doc.get_object().get(root)) return Malformed("", error);
    value list;
    const error_code find = root.find_field_unordered(ElementDecoder::kArrayKey).get(list);
    if (find != simdjson::SUCCESS && find != simdjson::NO_SUCH_FIELD) return Malformed("", find);
    bool rewound;
    if (auto error = root.reset().get(rewound)) return Malformed("", error);
    if (find == simdjson::SUCCESS) {
      const DecodeFailure failure = RunList(root);
      if (failure != DecodeFailure::kNone) return failure;
    } else if (auto error = element_->Decode(root, "")) {
      return Malformed("", error);
    }
    if (!AtEnd(doc)) {
      std::string detail("unexpected content after the JSON object (send several as {\"");
      detail.append(ElementDecoder::kArrayKey).append("\":[...]} or as NDJSON)");
      return Fail(DecodeFailure::kMalformed, "", std::move(detail));
    }
    return DecodeFailure::kNone;
  }

  // The {"events":[...]} shape: any key besides the list is an unknown field.
  DecodeFailure RunList(object& root) {
    bool seen_list = false;
    for (auto field_result : root) {
      field f;
      if (auto error = std::move(field_result).get(f)) return Malformed("", error);
      std::string_view key;
      if (auto error = f.unescaped_key().get(key)) return Malformed("", error);
      if (key != ElementDecoder::kArrayKey || seen_list) {
        if (auto error = SkipJsonValue(f.value())) return Malformed("", error);
        errors_->AddAt(
            "", key,
            seen_list && key == ElementDecoder::kArrayKey ? "duplicate field" : "unknown field");
        continue;
      }
      seen_list = true;
      const DecodeFailure failure = RunArray(f.value());
      if (failure != DecodeFailure::kNone) return failure;
    }
    return DecodeFailure::kNone;
  }

  DecodeFailure RunArray(value& list) {
    std::string list_pointer(1, '/');
    list_pointer.append(ElementDecoder::kArrayKey);
    array elements;
    if (list.get_array().get(elements) != simdjson::SUCCESS) {
      return Fail(DecodeFailure::kMalformed, list_pointer, "must be an array");
    }
    // Count first, so a list over the limit is refused before any element is decoded: decoding
    // 100,001 events only to refuse them took ~0.1 s of CPU (seconds under load) and ~28 MiB.
    // count_elements() skips the elements without parsing them and rewinds the array; when the
    // array is malformed the loop below reports where.
    size_t count = 0;
    if (elements.count_elements().get(count) == simdjson::SUCCESS &&
        static_cast<int64_t>(count) > options_.max_events) {
      return TooMany(list_pointer);
    }
    size_t index = 0;
    std::string pointer;
    for (auto element_result : elements) {
      pointer = list_pointer;
      AppendJsonPointerIndex(&pointer, index);
      value element;
      if (auto error = std::move(element_result).get(element)) return Malformed(pointer, error);
      if (static_cast<int64_t>(index++) >= options_.max_events) return TooMany(list_pointer);
      object event;
      if (element.get_object().get(event) == simdjson::SUCCESS) {
        if (auto error = element_->Decode(event, pointer)) return Malformed(pointer, error);
      } else if (auto error = SkipJsonValue(element)) {
        return Malformed(pointer, error);
      } else {
        errors_->Add(pointer, "must be an object");
      }
    }
    if (index == 0) {
      errors_->Add(list_pointer, "must contain at least one " + Singular());
    }
    return DecodeFailure::kNone;
  }

  // The number of lines of `text` that are not blank (what counts as events in NDJSON).
  static int64_t CountNonBlankLines(std::string_view text) {
    int64_t lines = 0;
    while (!text.empty()) {
      const size_t newline = text.find('\n');
      if (!IsBlank(text.substr(0, newline))) ++lines;
      if (newline == std::string_view::npos) break;
      text.remove_prefix(newline + 1);
    }
    return lines;
  }

  DecodeFailure RunNdjson(const simdjson::padded_string& padded) {
    const char* const begin = padded.data();
    const char* const end = begin + padded.size();
    // Counted before decoding, as in RunArray: a body over the limit costs one scan, not a decode.
    if (CountNonBlankLines(std::string_view(begin, padded.size())) > options_.max_events) {
      return TooMany("");
    }
    const char* const capacity_end = end + simdjson::SIMDJSON_PADDING;
    size_t line_index = 0;
    int64_t elements = 0;
    for (const char* line = begin; line < end; ++line_index) {
      const char* newline = static_cast<const char*>(std::memchr(line, '\n', end - line));
      const char* line_end = newline == nullptr ? end : newline;
      const std::string_view text(line, line_end - line);
      const char* next = newline == nullptr ? end : newline + 1;
      if (!IsBlank(text)) {
        std::string pointer;
        AppendJsonPointerIndex(&pointer, line_index);
        if (elements++ >= options_.max_events) return TooMany("");
        // The rest of the body and the padding follow the line, so it needs no copy.
        const simdjson::padded_string_view view(line, text.size(), capacity_end - line);
        const DecodeFailure failure = RunLine(view, FirstNonBlank(text), pointer, line_index);
        if (failure != DecodeFailure::kNone) return failure;
      }
      line = next;
    }
    return DecodeFailure::kNone;
  }

  DecodeFailure RunLine(const simdjson::padded_string_view& line, char first,
                        const std::string& pointer, size_t line_index) {
    const auto line_error = [&](std::string_view what) {
      return Fail(DecodeFailure::kMalformed, pointer,
                  std::string("line ") + std::to_string(line_index + 1) + ": " + std::string(what));
    };
    document doc;
    if (auto error = parser_.iterate(line).get(doc)) return line_error(InvalidJson(error));
    if (first != '{') {
      if (auto error = ValidateNonObjectRoot(doc, first)) return line_error(InvalidJson(error));
      errors_->Add(pointer, "must be an object");
      return DecodeFailure::kNone;
    }
    object event;
    if (auto error = doc.get_object().get(event)) return line_error(InvalidJson(error));
    if (auto error = element_->Decode(event, pointer)) return line_error(InvalidJson(error));
    if (!AtEnd(doc)) return line_error("unexpected content after the JSON object");
    return DecodeFailure::kNone;
  }

  DecodeFailure Malformed(std::string pointer, error_code error) {
    return Fail(DecodeFailure::kMalformed, std::move(pointer), InvalidJson(error));
  }

  std::string Singular() const {
    std::string_view noun = ElementDecoder::kNoun;
    noun.remove_suffix(1);
    return std::string(noun);
  }

  const DecodeOptions& options_;
  ElementDecoder* element_;
  ErrorSink* errors_;
  parser parser_;
  FieldError fatal_;
};

// Shared tail of the two public functions: on failure the decoded values are dropped.
template <typename ElementDecoder, typename Result, typename Item>
Result DecodeBody(std::string_view body, BodyFormat format, const DecodeOptions& options,
                  std::vector<Item> Result::*items) {
  Result result;
  ErrorSink errors;
  std::vector<Item> decoded;
  ElementDecoder element(options, &errors, &decoded);
  BodyDecoder<ElementDecoder> decoder(options, &element, &errors);
  result.failure = decoder.Run(body, format);
  switch (result.failure) {
    case DecodeFailure::kNone:
      result.*items = std::move(decoded);
      break;
    case DecodeFailure::kInvalid:
      result.error_count = errors.count();
      result.errors = errors.Take();
      break;
    case DecodeFailure::kMalformed:
    case DecodeFailure::kTooManyEvents:
      result.errors.push_back(decoder.TakeFatal());
      result.error_count = 1;
      break;
  }
  return result;
}

}  // namespace

DecodedPredictions DecodePredictions(std::string_view body, BodyFormat format,
                                     const DecodeOptions& options) {
  return DecodeBody<detail::PredictionDecoder, DecodedPredictions>(body, format, options,
                                                                   &DecodedPredictions::events);
}

DecodedActuals DecodeActuals(std::string_view body, BodyFormat format,
                             const DecodeOptions& options) {
  return DecodeBody<detail::ActualDecoder, DecodedActuals>(body, format, options,
                                                           &DecodedActuals::actuals);
}

}  // namespace mw::ingest
