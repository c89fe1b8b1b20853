#include "telemetry/log_file_sink.h"

#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/time_format.h"

namespace mw::telemetry {
namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

int64_t DayOf(int64_t epoch_ms) {
  return epoch_ms >= 0 ? epoch_ms / kMillisPerDay
                       : -((-epoch_ms + kMillisPerDay - 1) / kMillisPerDay);
}

std::string DateText(int64_t day) {
  return FormatRfc3339Seconds(day * kMillisPerDay).substr(0, 10);
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<int64_t> RotatedFileDay(std::string_view name, std::string_view base) {
  constexpr std::string_view kExt = ".log";
  if (name.size() < base.size() + 1 + 10 + kExt.size() || name.substr(0, base.size()) != base ||
      name[base.size()] != '.' || name.substr(name.size() - kExt.size()) != kExt) {
    return std::nullopt;
  }
  std::string_view middle =
      name.substr(base.size() + 1, name.size() - base.size() - 1 - kExt.size());
  const std::string_view date = middle.substr(0, 10);
  middle.remove_prefix(10);
  if (!middle.empty() && (middle[0] != '.' || !AllDigits(middle.substr(1)))) return std::nullopt;
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  const auto ms = ParseRfc3339Millis(std::string(date) + "T00:00:00Z");
  if (!ms) return std::nullopt;
  return DayOf(*ms);
}

RotatingLogFileSink::RotatingLogFileSink(LogFileOptions options)
    : options_(std::move(options)),
      active_path_((std::filesystem::path(options_.dir) / (options_.base_name + ".log")).string()) {
  file_.open(active_path_, /*truncate=*/false);
  file_bytes_ = static_cast<int64_t>(file_.size());
  const int64_t today = TodayUtc();
  file_day_ = today;
  struct stat st {};
  if (file_bytes_ > 0 && ::stat(active_path_.c_str(), &st) == 0) {
    file_day_ = DayOf(static_cast<int64_t>(st.st_mtime) * 1000);  // left by an earlier run
  }
  DeleteExpired(today);
}

std::string RotatingLogFileSink::active_path() const { return active_path_; }

int64_t RotatingLogFileSink::TodayUtc() const { return DayOf(options_.clock->NowMillis()); }

void RotatingLogFileSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  const int64_t today = TodayUtc();
  const int64_t size = static_cast<int64_t>(formatted.size());
  const bool rotate =
      file_bytes_ > 0 && (today != file_day_ || file_bytes_ + size > options_.max_file_bytes);
  if (rotate) Rotate();
  if (file_bytes_ == 0) file_day_ = today;
  file_.write(formatted);
  file_bytes_ += size;
  if (rotate) DeleteExpired(today);
}

void RotatingLogFileSink::flush_() { file_.flush(); }

void RotatingLogFileSink::Rotate() {
  namespace fs = std::filesystem;
  file_.close();
  const fs::path dir(options_.dir);
  const std::string stem = options_.base_name + "." + DateText(file_day_);
  fs::path target = dir / (stem + ".log");
  std::error_code ec;
  for (int n = 1; fs::exists(target, ec); ++n) {
    target = dir / (stem + "." + std::to_string(n) + ".log");
  }
  fs::rename(active_path_, target, ec);
  // When the rename failed the old file is appended to: better an oversized file than lost lines.
  file_.open(active_path_, /*truncate=*/false);
  file_bytes_ = static_cast<int64_t>(file_.size());
}

void RotatingLogFileSink::DeleteExpired(int64_t today) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(options_.dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const auto day = RotatedFileDay(it->path().filename().string(), options_.base_name);
    if (day && *day < today - options_.retention_days) {
      std::error_code remove_ec;  // a file we cannot delete is retried at the next rotation
      fs::remove(it->path(), remove_ec);
    }
  }
}

}  // namespace mw::telemetry
