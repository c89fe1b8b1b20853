// mw::Status and mw::Result<T>: expected failures as values.
//
// The codes are a trimmed version of Abseil's list; choose by what the caller should do next:
//   kInvalidArgument    the input is wrong; fix it and retry (HTTP 400/422, CLI exit 2).
//   kNotFound           the thing asked for does not exist (HTTP 404). Never an empty string.
//   kAlreadyExists      a different thing already holds this identity (HTTP 409).
//   kFailedPrecondition the system is not in a state that allows this; fix the state first.
//   kResourceExhausted  a limit was hit (queue full, body too large); retry later or send less.
//   kUnavailable        a dependency is down (database closed, disk full); retry the whole call.
//   kUnauthenticated    no or unknown credentials (HTTP 401).
//   kPermissionDenied   credentials lack the role (HTTP 403).
//   kInternal           a bug or an invariant broke; not retryable by the caller.
// Thread-safety: values; safe to copy between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mw {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kResourceExhausted,
  kUnavailable,
  kUnauthenticated,
  kPermissionDenied,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Result<T> holds either a T or a non-OK Status, with an std::expected-like API. The default
// constructor is deleted so `return {};` cannot pass for success.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result() = delete;
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Status& error() const { return std::get<1>(v_); }
  Status status() const { return has_value() ? Status() : error(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace mw
