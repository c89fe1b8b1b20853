#include "maintenance/prediction_archive.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

#include "common/time_format.h"

namespace mw::maintenance {
namespace {

constexpr std::string_view kManifestFormat = "modelwatch-prediction-archive-v1";

bool SafePathByte(unsigned char c, size_t index) {
  if (c == '.') return index > 0;
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<double> OptionalDouble(const nlohmann::json& v) {
  if (v.is_null()) return std::nullopt;
  return v.get<double>();
}

std::optional<int64_t> OptionalInt(const nlohmann::json& v) {
  if (v.is_null()) return std::nullopt;
  return v.get<int64_t>();
}

Status ManifestIoError(const std::string& what, const std::filesystem::path& path) {
  return Unavailable(what + " " + path.string() + ": " + std::strerror(errno));
}

Status WriteFileDurably(const std::filesystem::path& path, const std::string& text) {
  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ManifestIoError("cannot create", tmp);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = ManifestIoError("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Status s = ManifestIoError("cannot sync", tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ManifestIoError("cannot rename to", path);
  const std::filesystem::path dir = path.parent_path();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return ManifestIoError("cannot open directory", dir);
  const int rc = ::fsync(dfd);
  ::close(dfd);
  return rc == 0 ? Status::Ok() : ManifestIoError("cannot fsync directory", dir);
}

Result<std::string> FileSha256(const std::filesystem::path& path, int64_t* size) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFound("cannot open " + path.string());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 16);
  *size = 0;
  while (file) {
    file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = file.gcount();
    if (got <= 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(got));
    *size += got;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < length; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 15];
  }
  return hex;
}

}  // namespace

std::string EncodeModelDir(std::string_view model) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < model.size(); ++i) {
    const auto c = static_cast<unsigned char>(model[i]);
    if (SafePathByte(c, i)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

Result<std::string> DecodeModelDir(std::string_view dir) {
  std::string out;
  for (size_t i = 0; i < dir.size(); ++i) {
    if (dir[i] != '%') {
      out += dir[i];
      continue;
    }
    if (i + 2 >= dir.size()) {
      return InvalidArgument("bad escape in \"" + std::string(dir) + "\"");
    }
    const int hi = HexValue(dir[i + 1]);
    const int lo = HexValue(dir[i + 2]);
    if (hi < 0 || lo < 0) return InvalidArgument("bad escape in \"" + std::string(dir) + "\"");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string DayName(int64_t day_start_ms) {
  return FormatRfc3339Seconds(day_start_ms).substr(0, 10);
}

std::string PartFileName(int64_t day_start_ms, int part) {
  return DayName(day_start_ms) + (part > 1 ? ".part" + std::to_string(part) : "") + ".ndjson.zst";
}

std::string ManifestFileName(int64_t day_start_ms, int part) {
  return DayName(day_start_ms) + (part > 1 ? ".part" + std::to_string(part) : "") +
         ".manifest.json";
}

std::filesystem::path ManifestPathFor(const std::filesystem::path& archive) {
  std::string name = archive.filename().string();
  constexpr std::string_view kSuffix = ".ndjson.zst";
  if (name.size() > kSuffix.size() && name.ends_with(kSuffix)) {
    name.resize(name.size() - kSuffix.size());
  }
  return archive.parent_path() / (name + ".manifest.json");
}

std::string ArchiveLine(const ingest::PredictionRecord& row) {
  nlohmann::ordered_json j;
  j["id"] = row.id;
  j["model"] = row.model;
  j["version"] = row.version;
  j["segment"] = row.segment;
  j["created_at"] = row.created_at_ms;
  j["received_at"] = row.received_at_ms;
  j["prediction"] = row.prediction;
  j["features"] = row.features_json;
  j["actual"] = row.actual ? nlohmann::ordered_json(*row.actual) : nlohmann::ordered_json();
  j["actual_at"] =
      row.actual_at_ms ? nlohmann::ordered_json(*row.actual_at_ms) : nlohmann::ordered_json();
  j["latency_ms"] =
      row.latency_ms ? nlohmann::ordered_json(*row.latency_ms) : nlohmann::ordered_json();
  // Invalid UTF-8 cannot reach the store (ingest validates names); replace rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<ingest::PredictionRecord> ParseArchiveLine(std::string_view line) {
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidArgument("not a JSON object");
  try {
    ingest::PredictionRecord r;
    r.id = j.at("id").get<std::string>();
    r.model = j.at("model").get<std::string>();
    r.version = j.at("version").get<std::string>();
    r.segment = j.at("segment").get<std::string>();
    r.created_at_ms = j.at("created_at").get<int64_t>();
    r.received_at_ms = j.at("received_at").get<int64_t>();
    r.prediction = j.at("prediction").get<double>();
    r.features_json = j.at("features").get<std::string>();
    r.actual = OptionalDouble(j.at("actual"));
    r.actual_at_ms = OptionalInt(j.at("actual_at"));
    r.latency_ms = OptionalDouble(j.at("latency_ms"));
    if (r.id.empty() || r.model.empty()) return InvalidArgument("empty id or model");
    return r;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("not an archived prediction row: ") + e.what());
  }
}

Status WriteManifest(const std::filesystem::path& path, const PartManifest& m) {
  nlohmann::ordered_json j;
  j["format"] = kManifestFormat;
  j["model"] = m.model;
  j["day"] = DayName(m.day_start_ms);
  j["day_start_ms"] = m.day_start_ms;
  j["part"] = m.part;
  j["file"] = PartFileName(m.day_start_ms, m.part);
  j["rows"] = m.archive.rows;
  j["compressed_bytes"] = m.archive.compressed_bytes;
  j["uncompressed_bytes"] = m.archive.uncompressed_bytes;
  j["sha256"] = m.archive.sha256;
  j["written_at"] = FormatRfc3339Millis(m.written_at_ms);
  return WriteFileDurably(path, j.dump(2) + "\n");
}

Result<PartManifest> ReadManifest(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) return NotFound("no manifest " + path.string());
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  try {
    if (!j.is_object() || j.value("format", "") != kManifestFormat) {
      return FailedPrecondition(path.string() + ": not a prediction archive manifest");
    }
    PartManifest m;
    m.model = j.at("model").get<std::string>();
    m.day_start_ms = j.at("day_start_ms").get<int64_t>();
    m.part = j.at("part").get<int>();
    m.archive.rows = j.at("rows").get<int64_t>();
    m.archive.compressed_bytes = j.at("compressed_bytes").get<int64_t>();
    m.archive.uncompressed_bytes = j.at("uncompressed_bytes").get<int64_t>();
    m.archive.sha256 = j.at("sha256").get<std::string>();
    return m;
  } catch (const nlohmann::json::exception& e) {
    return FailedPrecondition(path.string() + ": damaged manifest: " + e.what());
  }
}

Result<ArchiveManifest> ComputeManifest(const std::filesystem::path& archive) {
  auto lines = ReadArchive(archive);
  if (!lines) return lines.error();
  ArchiveManifest m;
  m.rows = static_cast<int64_t>(lines->size());
  for (const std::string& line : *lines)
    m.uncompressed_bytes += static_cast<int64_t>(line.size()) + 1;
  auto sha = FileSha256(archive, &m.compressed_bytes);
  if (!sha) return sha.error();
  m.sha256 = std::move(*sha);
  return m;
}

std::vector<std::filesystem::path> RestoreOrder(std::vector<std::filesystem::path> files) {
  // "2026-09-01.part3.ndjson.zst" -> ("2026-09-01", 3); other names sort by name, part 1.
  auto key = [](const std::filesystem::path& p) {
    std::string name = p.filename().string();
    std::string day = name.substr(0, name.find('.'));
    int part = 1;
    const size_t at = name.find(".part");
    if (at != std::string::npos) part = std::atoi(name.c_str() + at + 5);
    return std::make_tuple(p.parent_path().string(), day, -part, name);
  };
  std::stable_sort(files.begin(), files.end(),
                   [&](const auto& a, const auto& b) { return key(a) < key(b); });
  return files;
}

Result<RestoreOutcome> RestoreArchive(store::Store& store, const std::filesystem::path& path) {
  auto manifest = ReadManifest(ManifestPathFor(path));
  if (manifest) {
    if (Status s = VerifyArchive(path, manifest->archive); !s.ok()) {
      return FailedPrecondition("refusing to restore: " + s.message());
    }
  } else if (manifest.error().code() != StatusCode::kNotFound) {
    return FailedPrecondition("refusing to restore: " + manifest.error().message());
  }
  auto lines = ReadArchive(path);
  if (!lines) {
    if (lines.error().code() == StatusCode::kNotFound) return lines.error();
    return FailedPrecondition("refusing to restore: " + lines.error().message());
  }
  std::vector<ingest::PredictionRecord> rows;
  rows.reserve(lines->size());
  for (size_t i = 0; i < lines->size(); ++i) {
    auto row = ParseArchiveLine((*lines)[i]);
    if (!row) {
      return FailedPrecondition("refusing to restore " + path.string() + ": line " +
                                std::to_string(i + 1) + ": " + row.error().message());
    }
    rows.push_back(std::move(*row));
  }
  auto counts = store.RestorePredictions(rows);
  if (!counts) return counts.error();
  return RestoreOutcome{static_cast<int64_t>(rows.size()), counts->first, counts->second};
}

}  // namespace mw::maintenance
