#include "maintenance/report_task.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace mw::maintenance {
namespace {

bool PlainNameByte(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || (c == '.' && !first);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // only upper-case hex is made, so only it is read back
}

Status Errno(const std::string& what) { return Unavailable(what + ": " + std::strerror(errno)); }

// Whether `dir` exists (or could be created) and a file can be created in it.
Status CheckWritable(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return FailedPrecondition("reports directory " + dir + " cannot be created: " + ec.message());
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return FailedPrecondition("reports directory " + dir +
                              " is not writable: " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

std::string ReportDirName(std::string_view model) {
  std::string out;
  for (size_t i = 0; i < model.size(); ++i) {
    const char c = model[i];
    if (PlainNameByte(c, i == 0)) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

std::optional<std::string> ModelOfReportDir(std::string_view dir) {
  std::string out;
  for (size_t i = 0; i < dir.size(); ++i) {
    if (dir[i] != '%') {
      out += dir[i];
      continue;
    }
    if (i + 2 >= dir.size()) return std::nullopt;
    const int hi = HexValue(dir[i + 1]), lo = HexValue(dir[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  // Only the canonical spelling names a model (so one model has one directory).
  if (out.empty() || ReportDirName(out) != dir) return std::nullopt;
  return out;
}

bool IsReportFileName(std::string_view name) {
  for (std::string_view period : {"weekly-", "monthly-"}) {
    if (!name.starts_with(period)) continue;
    const std::string_view rest = name.substr(period.size());
    if (rest.size() < 11 || !ParseDay(rest.substr(0, 10))) return false;
    const std::string_view ext = rest.substr(10);
    return ext == ".html" || ext == ".md";
  }
  return false;
}

std::string ReportBaseName(ReportPeriod period, int64_t from_ms) {
  return std::string(ReportPeriodName(period)) + "-" + FormatDay(from_ms);
}

Status WriteFileAtomically(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create " + tmp);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("cannot write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Errno("cannot fsync " + tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Errno("cannot rename " + tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

ReportTask::ReportTask(ReportPeriod period, ReportSources sources, ReportTaskOptions options)
    : period_(period), sources_(std::move(sources)), options_(std::move(options)) {}

std::string_view ReportTask::name() const {
  return period_ == ReportPeriod::kWeekly ? "weekly-report" : "monthly-report";
}

Result<TaskOutcome> ReportTask::Run(TaskContext& ctx) {
  if (Status s = CheckWritable(options_.reports_dir); !s.ok()) return s;
  auto models = sources_.store.ListModels();
  if (!models.has_value()) return models.error();
  const int64_t now = ctx.clock.NowMillis();
  const ReportWindow window = PeriodWindow(period_, now);
  const std::string base = ReportBaseName(period_, window.from_ms);
  ctx.progress.SetTotal(static_cast<int64_t>(models->size()));
  TaskOutcome outcome;
  int64_t failed = 0, done = 0;
  std::string first_error;
  for (const registry::ModelInfo& model : *models) {
    if (ctx.cancelled()) return Unavailable("cancelled");
    ctx.progress.Update(done++, model.name);
    auto data = LoadReport(sources_, {model.name, period_, window, now});
    if (!data.has_value()) {
      ctx.log.Error("report failed",
                    {{"model", model.name}, {"error.message", data.error().message()}});
      if (failed++ == 0) first_error = model.name + ": " + data.error().message();
      continue;
    }
    const std::filesystem::path dir =
        std::filesystem::path(options_.reports_dir) / ReportDirName(model.name);
    for (const auto& [ext, text] :
         {std::pair<std::string, std::string>{".html", RenderReportHtml(*data)},
          {".md", RenderReportMarkdown(*data)}}) {
      const std::string path = (dir / (base + ext)).string();
      if (!ctx.dry_run) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (Status s = WriteFileAtomically(path, text); !s.ok()) return s;
      }
      ctx.log.Info(ctx.dry_run ? "would write report" : "wrote report",
                   {{"model", model.name}, {"file.path", path}, {"file.size", text.size()}});
      outcome.items += 1;
      outcome.bytes += static_cast<int64_t>(text.size());
    }
  }
  ctx.progress.Update(done, "");
  if (failed > 0) {
    return Internal("reports of " + std::to_string(failed) +
                    " model(s) failed; first: " + first_error);
  }
  outcome.message = std::string(ctx.dry_run ? "would write " : "wrote ") +
                    std::to_string(outcome.items) + " files for " + std::to_string(models->size()) +
                    " models (" + base + ", " + std::to_string(outcome.bytes) + " bytes) in " +
                    options_.reports_dir;
  return outcome;
}

}  // namespace mw::maintenance
