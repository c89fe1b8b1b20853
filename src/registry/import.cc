#include "registry/import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "common/json_limits.h"
#include "common/names.h"
#include "common/status.h"
#include "registry/document.h"

namespace mw::registry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kMetadata = "metadata.json";

bool IsDirectory(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);  // follows symlinks
}

// Whether `dir` has an entry named metadata.json, whatever its type (LoadMetadata says what is
// wrong with one that is not a regular file inside the import directory).
bool HasMetadata(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(dir / kMetadata, ec));
}

// Entries of `dir` (symlinks included, dangling ones too), without hidden names, sorted by name.
std::vector<fs::path> ListEntries(const fs::path& dir, ImportResult& result) {
  std::vector<fs::path> entries;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    result.errors.push_back({dir, "cannot list directory: " + ec.message()});
    return entries;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      result.errors.push_back({dir, "cannot list directory: " + ec.message()});
      break;
    }
    const std::string name = it->path().filename().string();
    if (!name.empty() && name.front() != '.') entries.push_back(it->path());
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

// Closes a file descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Whether `path` (absolute, canonical) is `root` or lies below it.
bool IsWithin(const fs::path& path, const fs::path& root) {
  return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

// Reads `file` for the import under `root` (canonical): only a regular file whose real location
// is inside `root`, at most kMaxMetadataFileBytes. Never blocks on a FIFO or a device: the type
// is checked before the open, and the open itself is non-blocking. Type, identity and location
// are checked again on the open descriptor, so swapping the file (or a directory above it) for
// a symlink between the checks gains nothing. Failures are InvalidArgument with the reason.
Result<std::string> ReadMetadataFile(const fs::path& file, const fs::path& root) {
  std::error_code ec;
  const fs::path real = fs::canonical(file, ec);
  if (ec) return InvalidArgument("missing or unreadable metadata.json");
  if (!IsWithin(real, root)) {
    return InvalidArgument("metadata.json resolves to " + real.string() +
                           ", outside the import directory " + root.string() + "; not read");
  }
  struct stat named {};
  if (::stat(real.c_str(), &named) != 0) {
    return InvalidArgument("missing or unreadable metadata.json");
  }
  if (!S_ISREG(named.st_mode)) {
    return InvalidArgument(
        "metadata.json is not a regular file (a FIFO, device or directory); not read");
  }
  const int fd = ::open(real.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return InvalidArgument(std::string("cannot open metadata.json: ") + std::strerror(errno));
  }
  const FdCloser closer{fd};
  struct stat opened {};
  bool same = ::fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode) &&
              opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
  // `real` has no symlink left and O_NOFOLLOW refuses one as its last component; a directory
  // above it swapped for a symlink would show in the descriptor's own path.
  const std::string self = "/proc/self/fd/" + std::to_string(fd);
  if (const fs::path actual = fs::read_symlink(self, ec); !ec && !IsWithin(actual, root)) {
    same = false;
  }
  if (!same) return InvalidArgument("metadata.json changed while it was being opened; not read");
  if (opened.st_size > static_cast<off_t>(kMaxMetadataFileBytes)) {
    return InvalidArgument("metadata.json is " + std::to_string(opened.st_size) +
                           " bytes, over the limit of " + std::to_string(kMaxMetadataFileBytes) +
                           " bytes; not read");
  }
  std::string text(static_cast<size_t>(opened.st_size) + 1, '\0');  // +1 shows a file that grew
  size_t size = 0;
  while (size < text.size()) {
    const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return InvalidArgument(std::string("cannot read metadata.json: ") + std::strerror(errno));
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  if (size == text.size()) return InvalidArgument("metadata.json grew while it was being read");
  text.resize(size);
  return text;
}

// Reads DIR/metadata.json as a JSON object, or returns the reason it cannot be used.
std::variant<json, std::string> LoadMetadata(const fs::path& dir, const fs::path& root) {
  const Result<std::string> read = ReadMetadataFile(dir / kMetadata, root);
  if (!read.has_value()) return read.error().message();
  const std::string_view text = StripUtf8Bom(*read);
  if (Status depth = CheckJsonDepth(text); !depth.ok()) {
    return "metadata.json is not usable: " + depth.message();
  }
  try {
    json doc = json::parse(text);
    if (!doc.is_object()) return std::string("metadata.json must hold a JSON object");
    return doc;
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400: converted here
    std::string detail = e.what();
    if (auto close = detail.find("] "); close != std::string::npos) detail.erase(0, close + 2);
    return "metadata.json is not valid JSON: " + detail;
  }
}

std::optional<std::string> VersionKey(const json& doc) {
  auto it = doc.find("version");
  if (it == doc.end()) return std::nullopt;
  if (it->is_string() && !it->get<std::string>().empty()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return std::nullopt;
}

std::optional<ModelTask> TaskOf(const json& doc) {
  for (const char* key : {"task", "model_type"}) {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_string()) continue;
    if (auto task = ParseModelTask(it->get<std::string>())) return task;
  }
  return std::nullopt;
}

// Resolves a symlink to its canonical target; nullopt (and an error) when dangling.
std::optional<fs::path> Resolve(const fs::path& link, ImportResult& result) {
  std::error_code ec;
  fs::path target = fs::canonical(link, ec);
  if (ec || !IsDirectory(target)) {
    result.errors.push_back({link, "symlink does not point to a directory"});
    return std::nullopt;
  }
  return target;
}

struct Candidate {
  std::string version;
  fs::path dir;
  std::optional<json> doc;  // preloaded (real `latest` directories)
};

struct Scanned {
  ModelVersionInfo info;
  std::optional<ModelTask> task;
};

class Scanner {
 public:
  // `root` is the canonical import directory: every metadata.json read must lie inside it.
  Scanner(ImportResult& result, fs::path root) : result_(result), root_(std::move(root)) {}

  void ScanModel(const std::string& model, const fs::path& dir) {
    const std::vector<fs::path> entries = ListEntries(dir, result_);
    const bool unsegmented = std::any_of(entries.begin(), entries.end(), [](const fs::path& p) {
      return IsDirectory(p) && HasMetadata(p);
    });
    const size_t before = scanned_.size();
    if (unsegmented) {
      ScanGroup(model, "", dir, entries);
    } else {
      for (const fs::path& segment : entries) {
        if (!IsDirectory(segment)) continue;
        if (auto problem = NameProblem(segment.filename().string(), kMaxSegmentNameBytes)) {
          result_.errors.push_back(
              {segment, "skipped: the segment name (the directory name) " + *problem});
          continue;
        }
        ScanGroup(model, segment.filename().string(), segment, ListEntries(segment, result_));
      }
    }
    if (scanned_.size() == before) {
      result_.errors.push_back({dir, "no version directory with a usable metadata.json"});
    }
  }

  void Finish() {
    std::map<std::string, ModelInfo> models;
    for (const Scanned& s : scanned_) models[s.info.model].name = s.info.model;
    // The latest versions' task first, then any version's.
    for (bool latest_only : {true, false}) {
      for (const Scanned& s : scanned_) {
        ModelInfo& m = models[s.info.model];
        if (s.task && m.task == ModelTask::kUnknown && (s.info.is_latest || !latest_only)) {
          m.task = *s.task;
        }
      }
    }
    for (auto& [name, m] : models) result_.models.push_back(std::move(m));
    std::sort(scanned_.begin(), scanned_.end(), [](const Scanned& a, const Scanned& b) {
      if (a.info.is_latest != b.info.is_latest) return !a.info.is_latest;
      if (a.info.model != b.info.model) return a.info.model < b.info.model;
      if (a.info.segment != b.info.segment) return a.info.segment < b.info.segment;
      return CompareVersionNames(a.info.version, b.info.version) < 0;
    });
    for (Scanned& s : scanned_) result_.versions.push_back(std::move(s.info));
  }

 private:
  // One (model, segment): `entries` are the version directories and `latest`.
  void ScanGroup(const std::string& model, const std::string& segment, const fs::path& dir,
                 const std::vector<fs::path>& entries) {
    std::error_code ec;
    const fs::path group = fs::canonical(dir, ec);
    std::vector<Candidate> candidates;
    std::optional<fs::path> latest_entry;
    for (const fs::path& entry : entries) {
      const std::string name = entry.filename().string();
      const bool is_link = fs::is_symlink(entry, ec);
      if (name == "latest") {
        latest_entry = entry;
        continue;
      }
      if (!IsDirectory(entry)) continue;  // plain files, dangling aliases
      if (is_link) {
        auto target = Resolve(entry, result_);
        if (target && target->parent_path() == group) continue;  // alias of a sibling version
      }
      candidates.push_back({name, entry, std::nullopt});
    }

    // Which version `latest` names; `latest_usable` false = report and mark none.
    std::optional<std::string> latest_name;
    bool latest_usable = true;
    if (latest_entry) {
      if (fs::is_symlink(*latest_entry, ec)) {
        auto target = Resolve(*latest_entry, result_);
        if (!target) {
          latest_usable = false;
        } else if (target->parent_path() != group) {
          result_.errors.push_back({*latest_entry, "latest points outside " + dir.string() +
                                                       "; no version marked latest"});
          latest_usable = false;
        } else {
          latest_name = target->filename().string();
        }
      } else if (IsDirectory(*latest_entry)) {
        auto loaded = LoadMetadata(*latest_entry, root_);
        if (auto* reason = std::get_if<std::string>(&loaded)) {
          result_.errors.push_back({*latest_entry / kMetadata, *reason});
          latest_usable = false;
        } else {
          json& doc = std::get<json>(loaded);
          latest_name = VersionKey(doc).value_or("latest");
          const bool copy_of_sibling =
              std::any_of(candidates.begin(), candidates.end(),
                          [&](const Candidate& c) { return c.version == *latest_name; });
          if (!copy_of_sibling) candidates.push_back({*latest_name, *latest_entry, std::move(doc)});
        }
      }
    }

    std::vector<Scanned> group_versions;
    for (Candidate& c : candidates) {
      if (auto s = ReadVersion(model, segment, c)) group_versions.push_back(std::move(*s));
    }
    if (latest_usable && !group_versions.empty()) {
      Scanned* latest = nullptr;
      for (Scanned& s : group_versions) {
        if (latest_name ? s.info.version == *latest_name
                        : (latest == nullptr ||
                           CompareVersionNames(s.info.version, latest->info.version) > 0)) {
          latest = &s;
        }
      }
      if (latest != nullptr) latest->info.is_latest = true;  // null: its metadata was reported
    }
    for (Scanned& s : group_versions) scanned_.push_back(std::move(s));
  }

  std::optional<Scanned> ReadVersion(const std::string& model, const std::string& segment,
                                     Candidate& c) {
    if (auto problem = NameProblem(c.version, kMaxVersionNameBytes)) {
      result_.errors.push_back(
          {c.dir,
           "skipped: the version name (the directory name or its metadata.json \"version\") " +
               *problem});
      return std::nullopt;
    }
    if (!c.doc) {
      auto loaded = LoadMetadata(c.dir, root_);
      if (auto* reason = std::get_if<std::string>(&loaded)) {
        result_.errors.push_back({c.dir / kMetadata, *reason});
        return std::nullopt;
      }
      c.doc = std::move(std::get<json>(loaded));
    }
    Scanned s;
    auto errors = ReadModelVersionFields(*c.doc, s.info);
    if (!errors.empty()) {
      std::string reason = "invalid metadata.json:";
      for (const auto& e : errors) reason += " " + e.pointer + ": " + e.detail + ";";
      reason.pop_back();
      result_.errors.push_back({c.dir / kMetadata, reason});
      return std::nullopt;
    }
    s.info.model = model;
    s.info.segment = segment;
    s.info.version = c.version;
    s.info.is_latest = false;
    s.task = TaskOf(*c.doc);
    return s;
  }

  ImportResult& result_;
  const fs::path root_;
  std::vector<Scanned> scanned_;
};

}  // namespace

int CompareVersionNames(std::string_view a, std::string_view b) {
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t ie = i;
      size_t je = j;
      while (ie < a.size() && is_digit(a[ie])) ++ie;
      while (je < b.size() && is_digit(b[je])) ++je;
      std::string_view x = a.substr(i, ie - i);
      std::string_view y = b.substr(j, je - j);
      while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
      while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (int c = x.compare(y); c != 0) return c < 0 ? -1 : 1;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j])
        return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
      ++i;
      ++j;
    }
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return a < b ? -1 : (a == b ? 0 : 1);  // "v01" vs "v1": fall back to plain order
}

ImportResult ScanModelDirectory(const fs::path& dir) {
  ImportResult result;
  if (!IsDirectory(dir)) {
    result.errors.push_back({dir, "not a directory"});
    return result;
  }
  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  if (ec) {
    result.errors.push_back({dir, "cannot resolve the directory: " + ec.message()});
    return result;
  }
  Scanner scanner(result, root);
  for (const fs::path& model : ListEntries(dir, result)) {
    if (!IsDirectory(model)) continue;
    if (auto problem = NameProblem(model.filename().string(), kMaxModelNameBytes)) {
      result.errors.push_back({model, "skipped: the model name (the directory name) " + *problem});
      continue;
    }
    scanner.ScanModel(model.filename().string(), model);
  }
  scanner.Finish();
  return result;
}

}  // namespace mw::registry
