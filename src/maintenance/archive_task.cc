#include "maintenance/archive_task.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include "maintenance/archive_file.h"
#include "maintenance/prediction_archive.h"

namespace mw::maintenance {
namespace {

constexpr int64_t kArchiveDayMs = 86'400'000;
constexpr int64_t kReadPageRows = 200'000;

std::string WithThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string HumanBytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// Every row of one UTC day (all models), in seq order, by model. One range read on created_at
// per day instead of one per model: the (model, segment, created_at) index cannot bound a day
// for a model, so a per-model read would scan all the model's rows.
Result<std::map<std::string, std::vector<ingest::PredictionRecord>>> ReadDay(
    const store::Store& store, int64_t day_start_ms) {
  std::map<std::string, std::vector<ingest::PredictionRecord>> by_model;
  store::PredictionQuery q;
  q.from_ms = day_start_ms;
  q.to_ms = day_start_ms + kArchiveDayMs;
  q.limit = kReadPageRows;
  while (true) {
    auto page = store.QueryPredictions(q);
    if (!page) return page.error();
    if (page->empty()) break;
    q.after_seq = page->back().seq;
    const bool last = static_cast<int64_t>(page->size()) < q.limit;
    for (auto& row : *page) by_model[row.model].push_back(std::move(row));
    if (last) break;
  }
  return by_model;
}

// A part already on disk: verified against its manifest (written now when a dead run left
// none), then read. Returns its lines.
Result<std::vector<std::string>> LoadPart(const std::filesystem::path& file,
                                          const PartManifest& fresh) {
  const std::filesystem::path manifest_path = ManifestPathFor(file);
  auto manifest = ReadManifest(manifest_path);
  if (!manifest && manifest.error().code() == StatusCode::kNotFound) {
    auto computed = ComputeManifest(file);
    if (!computed) return computed.error();
    PartManifest m = fresh;
    m.archive = *computed;
    if (Status s = WriteManifest(manifest_path, m); !s.ok()) return s;
    manifest = m;
  }
  if (!manifest) return manifest.error();
  if (Status s = VerifyArchive(file, manifest->archive); !s.ok()) return s;
  return ReadArchive(file);
}

// Every part already written for fresh's (model, day), verified, into `archived` (id -> line);
// *next_part is the number of the first part not written yet.
Status LoadParts(const std::filesystem::path& dir, PartManifest fresh,
                 std::unordered_map<std::string, std::string>& archived, int* next_part) {
  std::error_code ec;
  for (int part = 1;; ++part) {
    const std::filesystem::path file = dir / PartFileName(fresh.day_start_ms, part);
    if (!std::filesystem::exists(file, ec)) {
      *next_part = part;
      return Status::Ok();
    }
    fresh.part = part;
    auto lines = LoadPart(file, fresh);
    if (!lines) {
      return Internal("archive " + file.string() + " is damaged (" + lines.error().message() +
                      "): no row of that day is deleted; move the file away to archive again");
    }
    for (std::string& line : *lines) {
      auto row = ParseArchiveLine(line);
      if (!row) return Internal(file.string() + ": " + row.error().message());
      archived[row->id] = std::move(line);
    }
  }
}

void RemoveStaleTemporaries(const std::filesystem::path& dir, const std::string& day) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(day) && name.ends_with(".tmp")) std::filesystem::remove(entry.path(), ec);
  }
}

}  // namespace

Status CheckArchiveDir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return FailedPrecondition("archive directory " + dir.string() +
                              " cannot be created: " + ec.message());
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return FailedPrecondition("archive directory " + dir.string() + " is not a directory");
  }
  const std::string probe = (dir / ".write-probe-XXXXXX").string();
  std::vector<char> name(probe.begin(), probe.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) {
    return FailedPrecondition("archive directory " + dir.string() +
                              " is not writable: " + std::strerror(errno));
  }
  ::close(fd);
  ::unlink(name.data());
  return Status::Ok();
}

int64_t ArchiveCutoff(int64_t now_ms, int64_t retention_days) {
  return now_ms - retention_days * kArchiveDayMs;
}

struct ArchivePredictionsTask::Totals {
  int64_t rows_done = 0;     // rows handled (progress)
  int64_t rows_deleted = 0;  // archived and deleted
  int64_t bytes = 0;         // archive bytes written
  int64_t files = 0;         // parts written
  std::set<std::string> models;
  std::set<int64_t> days;  // distinct UTC days
};

// Why a thread of its own at a lower priority: compressing, hashing and serialising rows is CPU
// work, and on a small machine it competes with the request threads of the live path (measured
// in docs/benchmarks.md); the store's writer, which runs the deletes, keeps its priority.
Result<TaskOutcome> ArchivePredictionsTask::Run(TaskContext& ctx) {
  if (options_.nice <= 0) return RunHere(ctx);
  std::optional<Result<TaskOutcome>> result;
  std::thread worker([&] {
    // Linux: a thread's nice value is per thread (its tid); failure only leaves it as it was.
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), options_.nice);
    result.emplace(RunHere(ctx));
  });
  worker.join();
  return std::move(*result);
}

Result<TaskOutcome> ArchivePredictionsTask::RunHere(TaskContext& ctx) {
  if (options_.retention_days < 1) {
    return FailedPrecondition("prediction retention must be at least 1 day");
  }
  if (!ctx.dry_run) {
    if (Status s = CheckArchiveDir(options_.archive_dir); !s.ok()) return s;
  }
  const int64_t cutoff = ArchiveCutoff(ctx.clock.NowMillis(), options_.retention_days);
  auto days = store_.ListPredictionDaysBefore(cutoff);
  if (!days) return days.error();
  int64_t total = 0;
  for (const auto& day : *days) total += day.rows;
  ctx.progress.SetTotal(total);
  Totals totals;
  std::map<std::string, std::vector<ingest::PredictionRecord>> rows_of_day;
  int64_t read_day = -1;
  for (const store::PredictionDay& day : *days) {
    if (ctx.cancelled()) return Unavailable("cancelled");
    if (!ctx.dry_run && day.day_start_ms != read_day) {  // days come in day order
      rows_of_day.clear();
      auto read = ReadDay(store_, day.day_start_ms);
      if (!read) return read.error();
      rows_of_day = std::move(*read);
      read_day = day.day_start_ms;
    }
    if (ctx.dry_run) {
      ctx.log.Info("would archive and delete",
                   {{"model", day.model}, {"day", DayName(day.day_start_ms)}, {"rows", day.rows}});
      totals.rows_deleted += day.rows;
      totals.rows_done += day.rows;
      totals.models.insert(day.model);
      totals.days.insert(day.day_start_ms);
    } else if (Status s = ArchiveDay(ctx, day, rows_of_day[day.model], totals); !s.ok()) {
      return s;
    }
    ctx.progress.Update(totals.rows_done, day.model + " " + DayName(day.day_start_ms));
  }
  TaskOutcome out;
  out.items = totals.rows_deleted;
  out.bytes = totals.bytes;
  out.message = (ctx.dry_run ? "would archive " : "archived ") +
                WithThousands(totals.rows_deleted) + " rows of " +
                std::to_string(totals.models.size()) + " models over " +
                std::to_string(totals.days.size()) + " days";
  if (!ctx.dry_run) {
    out.message +=
        " into " + std::to_string(totals.files) + " files (" + HumanBytes(totals.bytes) + ")";
  }
  return out;
}

Status ArchivePredictionsTask::ArchiveDay(TaskContext& ctx, const store::PredictionDay& day,
                                          std::vector<ingest::PredictionRecord>& day_rows,
                                          Totals& totals) {
  const std::vector<ingest::PredictionRecord>* rows = &day_rows;
  Hook("read");
  const std::filesystem::path dir = options_.archive_dir / EncodeModelDir(day.model);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create " + dir.string() + ": " + ec.message());
  PartManifest fresh;
  fresh.model = day.model;
  fresh.day_start_ms = day.day_start_ms;
  fresh.written_at_ms = ctx.clock.NowMillis();

  // What earlier parts hold (a later part's line for an id wins: it is the newer state).
  std::unordered_map<std::string, std::string> archived;  // id -> line
  int part = 1;
  if (Status s = LoadParts(dir, fresh, archived, &part); !s.ok()) return s;

  // Rows no part holds as they are stored now go to a new part.
  std::vector<std::string> new_lines;
  for (const ingest::PredictionRecord& row : *rows) {
    std::string line = ArchiveLine(row);
    auto it = archived.find(row.id);
    if (it == archived.end() || it->second != line) new_lines.push_back(std::move(line));
  }
  if (!new_lines.empty()) {
    const std::filesystem::path file = dir / PartFileName(day.day_start_ms, part);
    RemoveStaleTemporaries(dir, DayName(day.day_start_ms));
    auto manifest = WriteArchive(file, new_lines, options_.zstd_level);
    if (!manifest) return manifest.error();
    Hook("written");
    fresh.part = part;
    fresh.archive = *manifest;
    if (Status s = WriteManifest(ManifestPathFor(file), fresh); !s.ok()) return s;
    Hook("manifest");
    if (Status s = VerifyArchive(file, *manifest); !s.ok()) return s;
    Hook("verified");
    totals.bytes += manifest->compressed_bytes;
    ++totals.files;
    ctx.log.Info("archived", {{"model", day.model},
                              {"day", DayName(day.day_start_ms)},
                              {"file", file.string()},
                              {"rows", manifest->rows},
                              {"bytes", manifest->compressed_bytes},
                              {"sha256", manifest->sha256}});
  }

  // Every row read is now in a verified part: delete those still stored unchanged.
  Hook("deleting");
  auto deleted = store_.DeleteArchivedPredictions(*rows);
  if (!deleted) return deleted.error();
  Hook("deleted");
  if (*deleted != static_cast<int64_t>(rows->size())) {
    ctx.log.Info("rows changed while archiving stay stored (archived again by a later run)",
                 {{"model", day.model},
                  {"day", DayName(day.day_start_ms)},
                  {"kept", static_cast<int64_t>(rows->size()) - *deleted}});
  }
  ctx.log.Info("deleted archived rows",
               {{"model", day.model}, {"day", DayName(day.day_start_ms)}, {"rows", *deleted}});
  totals.rows_deleted += *deleted;
  totals.rows_done += day.rows;
  totals.models.insert(day.model);
  totals.days.insert(day.day_start_ms);
  return Status::Ok();
}

}  // namespace mw::maintenance
