#include "profile/serialize.h"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "profile/detail/blob_checksum.h"
#include "profile/detail/float_keys.h"

namespace mw::profile {
namespace {

constexpr std::string_view kMagic = "MWREFPRF";
using detail::kProfileChecksumOffset;
using detail::kProfileHeaderSize;
constexpr int kCompressionLevel = 3;
// A feature's name length, type, missing count and value/category count.
constexpr size_t kMinFeatureBytes = 4 + 1 + 8 + 8;
constexpr uint8_t kHasPrediction = 1, kHasActual = 2;

Status Damaged(std::string_view what) {
  return Status(kDamagedProfile, "damaged reference profile: " + std::string(what));
}

// A 64-bit checksum over 8-byte words (xxHash's round and final mix), fast enough to run over
// hundreds of megabytes; it guards against damage, not against a forger.
// The stored checksum covers the header before it and the compressed frame: every damaged bit is
// caught before decompression, including bits zstd itself would not notice (a window size field
// that grew still decodes to the same bytes).
uint64_t Checksum(std::string_view data, uint64_t seed = 0) {
  constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL, kPrime2 = 0xC2B2AE3D27D4EB4FULL,
                     kPrime3 = 0x165667B19E3779F9ULL;
  uint64_t h = seed ^ kPrime3 ^ (data.size() * kPrime1);
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, data.data() + i, 8);
    h ^= std::rotl(word * kPrime2, 31) * kPrime1;
    h = std::rotl(h, 27) * kPrime1 + kPrime3;
  }
  for (; i < data.size(); ++i) {
    h ^= static_cast<uint8_t>(data[i]) * kPrime3;
    h = std::rotl(h, 11) * kPrime1;
  }
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  h ^= h >> 32;
  return h;
}

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Fixed(v, 4); }
  void U64(uint64_t v) { Fixed(v, 8); }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  // Ascending values as wrapping key differences, byte-planed (see serialize.h).
  void SortedValues(const std::vector<double>& values) {
    const size_t n = values.size();
    U64(n);
    const size_t base = out_.size();
    out_.resize(base + 8 * n);
    uint64_t previous = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t key = detail::OrderedKey(values[i]);
      const uint64_t delta = key - previous;
      previous = key;
      for (size_t b = 0; b < 8; ++b) {
        out_[base + b * n + i] = static_cast<char>(static_cast<uint8_t>(delta >> (8 * b)));
      }
    }
  }
  std::string Take() { return std::move(out_); }

 private:
  void Fixed(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      out_.push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
  }
  std::string out_;
};

// Reads the payload; every method returns false instead of reading past the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool U8(uint8_t* v) {
    uint64_t x;
    if (!Fixed(1, &x)) return false;
    *v = static_cast<uint8_t>(x);
    return true;
  }
  bool U32(uint32_t* v) {
    uint64_t x;
    if (!Fixed(4, &x)) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool U64(uint64_t* v) { return Fixed(8, v); }
  // A count: non-negative as int64_t.
  bool Count(int64_t* v) {
    uint64_t x;
    if (!Fixed(8, &x) || x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return false;
    }
    *v = static_cast<int64_t>(x);
    return true;
  }
  bool Str(std::string* s) {
    uint32_t size;
    if (!U32(&size) || size > remaining()) return false;
    s->assign(data_.substr(pos_, size));
    pos_ += size;
    return true;
  }
  // Decodes SortedValues; false unless every value is finite and the sequence ascends.
  bool SortedValues(std::vector<double>* values) {
    uint64_t n;
    if (!U64(&n) || n > remaining() / 8) return false;
    values->resize(n);
    const unsigned char* planes = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
    uint64_t key = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t delta = 0;
      for (size_t b = 0; b < 8; ++b) delta |= uint64_t{planes[b * n + i]} << (8 * b);
      key += delta;
      const double value = detail::FromOrderedKey(key);
      if (!std::isfinite(value) || (i > 0 && value < (*values)[i - 1])) return false;
      (*values)[i] = value;
    }
    pos_ += 8 * n;
    return true;
  }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  bool Fixed(size_t bytes, uint64_t* v) {
    if (remaining() < bytes) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < bytes; ++i)
      x |= uint64_t{static_cast<uint8_t>(data_[pos_ + i])} << (8 * i);
    pos_ += bytes;
    *v = x;
    return true;
  }
  std::string_view data_;
  size_t pos_ = 0;
};

void WriteNumeric(const NumericColumn& column, Writer* w) {
  w->I64(column.missing);
  w->SortedValues(column.sorted);
}

void WriteCategorical(const CategoricalColumn& column, Writer* w) {
  w->I64(column.missing);
  w->U64(column.counts.size());
  for (const auto& [category, count] : column.counts) {
    w->Str(category);
    w->I64(count);
  }
}

// Reads a numeric column of a table with `rows` rows.
Status ReadNumeric(Reader* r, int64_t rows, std::string_view what, NumericColumn* column) {
  if (!r->Count(&column->missing) || !r->SortedValues(&column->sorted)) {
    return Damaged(std::string(what) + ": bad numeric column");
  }
  if (column->missing > rows ||
      static_cast<int64_t>(column->sorted.size()) != rows - column->missing) {
    return Damaged(std::string(what) + ": values and missing do not add up to the rows");
  }
  return Status::Ok();
}

Status ReadCategorical(Reader* r, int64_t rows, std::string_view what, CategoricalColumn* column) {
  uint64_t categories;
  // Each category takes at least 12 bytes (length and count), which bounds the loop by the data.
  if (!r->Count(&column->missing) || column->missing > rows || !r->U64(&categories) ||
      categories > r->remaining() / 12) {
    return Damaged(std::string(what) + ": bad categorical column");
  }
  int64_t total = column->missing;
  std::string previous, category;
  for (uint64_t i = 0; i < categories; ++i) {
    int64_t count;
    if (!r->Str(&category) || !r->Count(&count) || count == 0 || count > rows - total) {
      return Damaged(std::string(what) + ": bad category");
    }
    if (i > 0 && !(previous < category)) {
      return Damaged(std::string(what) + ": categories out of order");
    }
    total += count;
    column->counts.emplace_hint(column->counts.end(), category, count);
    previous = std::move(category);
  }
  if (total != rows) {
    return Damaged(std::string(what) + ": values and missing do not add up to the rows");
  }
  return Status::Ok();
}

Result<ReferenceProfile> ReadPayload(std::string_view payload) {
  Reader r(payload);
  ReferenceProfile profile;
  uint32_t features;
  if (!r.Count(&profile.rows) || !r.U32(&features) || features > r.remaining() / kMinFeatureBytes) {
    return Damaged("bad table header");
  }
  profile.features.resize(features);
  for (uint32_t i = 0; i < features; ++i) {
    FeatureProfile& feature = profile.features[i];
    uint8_t type;
    if (!r.Str(&feature.name) || !r.U8(&type) || type > 1) return Damaged("bad feature header");
    if (profile.Find(feature.name) != &feature) {
      return Damaged("feature \"" + feature.name + "\" appears twice");
    }
    const std::string what = "feature \"" + feature.name + "\"";
    if (type == 0) {
      feature.type = FeatureType::kNumeric;
      if (Status s = ReadNumeric(&r, profile.rows, what, &feature.numeric); !s.ok()) return s;
      if (!feature.numeric.sorted.empty()) {
        feature.min = feature.numeric.sorted.front();
        feature.max = feature.numeric.sorted.back();
      }
    } else {
      feature.type = FeatureType::kCategorical;
      if (Status s = ReadCategorical(&r, profile.rows, what, &feature.categorical); !s.ok()) {
        return s;
      }
    }
  }
  uint8_t present;
  if (!r.U8(&present) || (present & ~(kHasPrediction | kHasActual)) != 0) {
    return Damaged("bad prediction/actual flags");
  }
  if (present & kHasPrediction) {
    profile.prediction.emplace();
    if (Status s = ReadNumeric(&r, profile.rows, "prediction", &*profile.prediction); !s.ok()) {
      return s;
    }
  }
  if (present & kHasActual) {
    profile.actual.emplace();
    if (Status s = ReadNumeric(&r, profile.rows, "actual", &*profile.actual); !s.ok()) return s;
  }
  if (r.remaining() != 0) return Damaged("bytes after the payload");
  return profile;
}

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

// Decompresses exactly one zstd frame that fills `frame` and yields exactly `size` bytes. The
// output grows only as decompressed data arrives, so a lying size cannot force an allocation.
Result<std::string> Decompress(std::string_view frame, uint64_t size) {
  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  if (ctx == nullptr) return Status(StatusCode::kResourceExhausted, "zstd: out of memory");
  std::string out;
  out.resize(static_cast<size_t>(std::min<uint64_t>(size, 1 << 20)));
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  size_t produced = 0;
  char probe;
  for (;;) {
    if (produced == out.size() && out.size() < size) {
      out.resize(static_cast<size_t>(std::min<uint64_t>(size, uint64_t{out.size()} * 2)));
    }
    // Once `size` bytes are out, a one-byte probe buffer tells "frame complete" from "more data".
    const bool full = produced == out.size();
    ZSTD_outBuffer output =
        full ? ZSTD_outBuffer{&probe, 1, 0} : ZSTD_outBuffer{out.data(), out.size(), produced};
    const size_t in_before = in.pos, out_before = output.pos;
    const size_t rc = ZSTD_decompressStream(ctx.get(), &output, &in);
    if (ZSTD_isError(rc)) return Damaged(std::string("zstd: ") + ZSTD_getErrorName(rc));
    if (full && output.pos != 0) return Damaged("more data than the header says");
    if (!full) produced = output.pos;
    if (rc == 0) {  // the frame is complete
      if (produced != size) return Damaged("less data than the header says");
      break;
    }
    if (in.pos == in.size && output.pos < output.size) return Damaged("truncated");
    if (in.pos == in_before && output.pos == out_before) return Damaged("zstd made no progress");
  }
  if (in.pos != in.size) return Damaged("bytes after the compressed frame");
  return out;
}

uint64_t LoadLe(std::string_view bytes) {
  uint64_t x = 0;
  for (size_t i = 0; i < bytes.size(); ++i)
    x |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
  return x;
}

void StoreLe(uint64_t v, size_t bytes, std::string* out) {
  for (size_t i = 0; i < bytes; ++i)
    out->push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
}

}  // namespace

uint64_t detail::ProfileBlobChecksum(std::string_view blob) {
  return Checksum(blob.substr(kProfileHeaderSize),
                  Checksum(blob.substr(0, kProfileChecksumOffset)));
}

std::string SerializeProfile(const ReferenceProfile& profile) {
  Writer w;
  w.I64(profile.rows);
  w.U32(static_cast<uint32_t>(profile.features.size()));
  for (const FeatureProfile& feature : profile.features) {
    w.Str(feature.name);
    if (feature.type == FeatureType::kNumeric) {
      w.U8(0);
      WriteNumeric(feature.numeric, &w);
    } else {
      w.U8(1);
      WriteCategorical(feature.categorical, &w);
    }
  }
  w.U8((profile.prediction ? kHasPrediction : 0) | (profile.actual ? kHasActual : 0));
  if (profile.prediction) WriteNumeric(*profile.prediction, &w);
  if (profile.actual) WriteNumeric(*profile.actual, &w);
  const std::string payload = w.Take();

  std::string blob(kMagic);
  StoreLe(kProfileFormatVersion, 4, &blob);
  StoreLe(0, 4, &blob);
  StoreLe(payload.size(), 8, &blob);
  StoreLe(0, 8, &blob);  // the checksum, once the frame is in place
  const size_t bound = ZSTD_compressBound(payload.size());
  blob.resize(kProfileHeaderSize + bound);
  const size_t written = ZSTD_compress(blob.data() + kProfileHeaderSize, bound, payload.data(),
                                       payload.size(), kCompressionLevel);
  // With a destination of ZSTD_compressBound bytes, compression fails only for want of memory.
  if (ZSTD_isError(written)) throw std::bad_alloc();
  blob.resize(kProfileHeaderSize + written);
  const uint64_t checksum = detail::ProfileBlobChecksum(blob);
  for (size_t i = 0; i < 8; ++i) {
    blob[kProfileChecksumOffset + i] = static_cast<char>(checksum >> (8 * i));
  }
  return blob;
}

Result<ReferenceProfile> DeserializeProfile(std::string_view blob) {
  if (blob.size() < kProfileHeaderSize) return Damaged("shorter than its header");
  if (blob.substr(0, kMagic.size()) != kMagic) return Damaged("not a reference profile");
  const uint64_t version = LoadLe(blob.substr(8, 4)), flags = LoadLe(blob.substr(12, 4));
  if (version != kProfileFormatVersion) {
    return Damaged("unknown format version " + std::to_string(version));
  }
  if (flags != 0) return Damaged("unknown flags");
  const uint64_t size = LoadLe(blob.substr(16, 8));
  if (LoadLe(blob.substr(kProfileChecksumOffset, 8)) != detail::ProfileBlobChecksum(blob)) {
    return Damaged("checksum mismatch");
  }
  Result<std::string> payload = Decompress(blob.substr(kProfileHeaderSize), size);
  if (!payload.has_value()) return payload.error();
  return ReadPayload(*payload);
}

}  // namespace mw::profile
