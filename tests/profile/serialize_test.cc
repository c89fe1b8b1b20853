#include "profile/serialize.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "profile/detail/blob_checksum.h"
#include "profile/reference_builder.h"

namespace mw::profile {
namespace {

// A profile with every kind of column: numeric with negatives, -0.0 and missing values, an
// empty numeric column, categorical with UTF-8 and empty-string-free categories, prediction and
// actual.
ReferenceProfile SampleProfile() {
  std::string csv = "x,city,empty,flag,prediction,actual\n";
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0, 50);
  const char* cities[] = {"Oslo", "Rome", "S\xC3\xA3o Paulo", "\"quoted\""};
  for (int i = 0; i < 300; ++i) {
    const std::string x = i % 17 == 0 ? "NA" : std::to_string(std::round(normal(rng) * 100) / 100);
    std::string city = "\"";
    for (const char* c = cities[i % 4]; *c != '\0'; ++c)
      city += *c == '"' ? "\"\"" : std::string(1, *c);
    city += "\"";
    csv += x + "," + city + ",," + (i % 2 ? "yes" : "no") + "," + std::to_string(i / 300.0) + "," +
           (i % 5 == 0 ? "" : std::to_string(i % 2)) + "\n";
  }
  csv += "-0,Oslo,,yes,0.5,1\n";
  Result<ReferenceProfile> profile = BuildProfileFromCsv(csv);
  EXPECT_TRUE(profile.has_value()) << profile.status().ToString();
  return *profile;
}

void ExpectDamaged(std::string_view blob, const std::string& context) {
  Result<ReferenceProfile> loaded = DeserializeProfile(blob);
  ASSERT_FALSE(loaded.has_value()) << context;
  EXPECT_EQ(loaded.error().code(), kDamagedProfile) << context;
  EXPECT_EQ(loaded.error().message().rfind("damaged reference profile: ", 0), 0u) << context;
}

// Rewrites the checksum field so that the blob passes the checksum whatever else is wrong.
std::string Reseal(std::string blob) {
  const uint64_t checksum = detail::ProfileBlobChecksum(blob);
  for (size_t i = 0; i < 8; ++i) {
    blob[detail::kProfileChecksumOffset + i] = static_cast<char>(checksum >> (8 * i));
  }
  return blob;
}

// A blob around `payload` with a correct header, frame and checksum.
std::string Forge(std::string_view payload, const std::string& valid_blob) {
  std::string blob = valid_blob.substr(0, detail::kProfileHeaderSize);
  for (size_t i = 0; i < 8; ++i)
    blob[16 + i] = static_cast<char>(uint64_t{payload.size()} >> (8 * i));
  std::string frame(ZSTD_compressBound(payload.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), payload.data(), payload.size(), 1));
  return Reseal(blob + frame);
}

std::string PayloadOf(const std::string& blob) {
  const std::string_view frame = std::string_view(blob).substr(detail::kProfileHeaderSize);
  std::string payload(ZSTD_getFrameContentSize(frame.data(), frame.size()), '\0');
  payload.resize(ZSTD_decompress(payload.data(), payload.size(), frame.data(), frame.size()));
  return payload;
}

// What a forged blob may decode to: an error, or a profile that keeps every invariant.
void ExpectDamagedOrValid(std::string_view blob, const std::string& context) {
  Result<ReferenceProfile> loaded = DeserializeProfile(blob);
  if (!loaded.has_value()) {
    EXPECT_EQ(loaded.error().code(), kDamagedProfile) << context;
    return;
  }
  const ReferenceProfile& p = *loaded;
  auto check_numeric = [&](const NumericColumn& c) {
    EXPECT_EQ(static_cast<int64_t>(c.sorted.size()) + c.missing, p.rows) << context;
    EXPECT_TRUE(std::is_sorted(c.sorted.begin(), c.sorted.end())) << context;
    for (double v : c.sorted) EXPECT_TRUE(std::isfinite(v)) << context;
  };
  for (const FeatureProfile& f : p.features) {
    EXPECT_EQ(p.Find(f.name), &f) << context;
    if (f.type == FeatureType::kNumeric) {
      check_numeric(f.numeric);
    } else {
      int64_t total = f.categorical.missing;
      for (const auto& [category, count] : f.categorical.counts) {
        EXPECT_GT(count, 0) << context;
        total += count;
      }
      EXPECT_EQ(total, p.rows) << context;
    }
  }
  if (p.prediction) check_numeric(*p.prediction);
  if (p.actual) check_numeric(*p.actual);
}

TEST(SerializeProfileTest, RoundTripsExactly) {
  const ReferenceProfile profile = SampleProfile();
  ASSERT_EQ(profile.features.size(), 4u);
  ASSERT_TRUE(profile.prediction.has_value() && profile.actual.has_value());
  const std::string blob = SerializeProfile(profile);
  Result<ReferenceProfile> loaded = DeserializeProfile(blob);
  ASSERT_TRUE(loaded.has_value()) << loaded.status().ToString();
  EXPECT_EQ(*loaded, profile);
  // Bit for bit, including the sign of zero.
  EXPECT_TRUE(std::signbit(loaded->features[0].numeric.sorted[0]) ==
              std::signbit(profile.features[0].numeric.sorted[0]));
}

TEST(SerializeProfileTest, RoundTripsEdgeCases) {
  ReferenceProfile empty;
  EXPECT_EQ(DeserializeProfile(SerializeProfile(empty)).value(), empty);

  ReferenceProfile extremes;
  extremes.rows = 6;
  FeatureProfile& f = extremes.features.emplace_back();
  f.name = "";
  const double max = std::numeric_limits<double>::max();
  const double tiny = std::numeric_limits<double>::denorm_min();
  f.numeric.sorted = {-max, -tiny, -0.0, 0.0, tiny, max};
  f.min = -max;
  f.max = max;
  extremes.prediction = NumericColumn{{}, 6};
  EXPECT_EQ(DeserializeProfile(SerializeProfile(extremes)).value(), extremes);
}

TEST(SerializeProfileTest, SortedColumnsCompressWell) {
  ReferenceProfile profile;
  profile.rows = 200'000;
  FeatureProfile& f = profile.features.emplace_back();
  f.name = "amount";
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> amounts(3, 1);
  for (int64_t i = 0; i < profile.rows; ++i) {
    f.numeric.sorted.push_back(std::round(amounts(rng) * 100) / 100);
  }
  std::sort(f.numeric.sorted.begin(), f.numeric.sorted.end());
  f.min = f.numeric.sorted.front();
  f.max = f.numeric.sorted.back();
  const std::string blob = SerializeProfile(profile);
  // 1.6 MB of doubles: the byte planes of the key differences shrink them several times over.
  EXPECT_LT(blob.size(), 8 * f.numeric.sorted.size() / 4);
  EXPECT_EQ(DeserializeProfile(blob).value(), profile);
}

TEST(SerializeProfileTest, EveryTruncationIsDetected) {
  const std::string blob = SerializeProfile(SampleProfile());
  for (size_t size = 0; size < blob.size(); ++size) {
    ExpectDamaged(std::string_view(blob).substr(0, size), "truncated to " + std::to_string(size));
  }
}

TEST(SerializeProfileTest, EveryBitFlipIsDetected) {
  const std::string blob = SerializeProfile(SampleProfile());
  for (size_t bit = 0; bit < blob.size() * 8; ++bit) {
    std::string damaged = blob;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    ExpectDamaged(damaged, "bit " + std::to_string(bit));
  }
}

TEST(SerializeProfileTest, TrailingBytesAndRandomGarbageAreDetected) {
  const std::string blob = SerializeProfile(SampleProfile());
  ExpectDamaged(blob + '\0', "one byte appended");
  ExpectDamaged(blob + blob.substr(32), "a second frame appended");
  std::mt19937_64 rng(3);
  for (int round = 0; round < 2000; ++round) {
    std::string garbage(rng() % 300, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    // Half the time keep a valid header prefix so that the frame and payload checks are reached.
    if (round % 2 == 0 && garbage.size() >= 16) garbage.replace(0, 16, blob.substr(0, 16));
    ExpectDamaged(garbage, "garbage round " + std::to_string(round));
  }
  // Random multi-byte damage inside the frame.
  for (int round = 0; round < 300; ++round) {
    std::string damaged = blob;
    for (int k = 0; k < 1 + round % 5; ++k) {
      damaged[32 + rng() % (blob.size() - 32)] = static_cast<char>(rng());
    }
    if (damaged != blob) ExpectDamaged(damaged, "damage round " + std::to_string(round));
  }
}

TEST(SerializeProfileTest, ForgedFramesNeverCrash) {
  const std::string blob = SerializeProfile(SampleProfile());
  std::mt19937_64 rng(11);
  for (size_t size = detail::kProfileHeaderSize; size < blob.size(); ++size) {
    ExpectDamagedOrValid(Reseal(blob.substr(0, size)), "frame cut to " + std::to_string(size));
  }
  for (int round = 0; round < 1500; ++round) {
    std::string damaged = blob;
    for (int k = 0; k < 1 + round % 3; ++k) {
      const size_t at =
          detail::kProfileHeaderSize + rng() % (blob.size() - detail::kProfileHeaderSize);
      damaged[at] = static_cast<char>(damaged[at] ^ (1 << (rng() % 8)));
    }
    ExpectDamagedOrValid(Reseal(damaged), "frame damage round " + std::to_string(round));
  }
  // A declared size that disagrees with the frame.
  for (const uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 40, ~uint64_t{0}}) {
    std::string lying = blob;
    for (size_t i = 0; i < 8; ++i) lying[16 + i] = static_cast<char>(size >> (8 * i));
    ExpectDamaged(Reseal(lying), "declared size " + std::to_string(size));
  }
}

TEST(SerializeProfileTest, ForgedPayloadsNeverCrash) {
  const std::string blob = SerializeProfile(SampleProfile());
  const std::string payload = PayloadOf(blob);
  ASSERT_EQ(DeserializeProfile(Forge(payload, blob)).value(), SampleProfile());
  // Every cut near either end (headers, the last column), a sample of those in between.
  for (size_t size = 0; size < payload.size();
       size += size < 200 || size + 200 > payload.size() ? 1 : 23) {
    ExpectDamaged(Forge(payload.substr(0, size), blob), "payload cut to " + std::to_string(size));
  }
  std::mt19937_64 rng(5);
  for (int round = 0; round < 1500; ++round) {
    std::string damaged = payload;
    for (int k = 0; k < 1 + round % 3; ++k) {
      damaged[rng() % damaged.size()] = static_cast<char>(rng());
    }
    ExpectDamagedOrValid(Forge(damaged, blob), "payload damage round " + std::to_string(round));
  }
}

TEST(SerializeProfileTest, UnknownVersionIsRefused) {
  std::string blob = SerializeProfile(SampleProfile());
  blob[8] = 2;
  Result<ReferenceProfile> loaded = DeserializeProfile(blob);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().message(), "damaged reference profile: unknown format version 2");
}

// Blobs with a valid frame and checksum whose content breaks the profile's invariants, as a
// writer bug or a forged blob would produce: the payload checks refuse each one.
TEST(SerializeProfileTest, PayloadInvariantsAreChecked) {
  const ReferenceProfile good = SampleProfile();
  std::vector<std::pair<std::string, ReferenceProfile>> bad;
  {
    ReferenceProfile p = good;
    p.features[0].numeric.sorted[0] = p.features[0].numeric.sorted[1] + 1;
    bad.emplace_back("unsorted", p);
  }
  {
    ReferenceProfile p = good;
    p.features[0].numeric.sorted.back() = std::numeric_limits<double>::infinity();
    bad.emplace_back("infinite value", p);
  }
  {
    ReferenceProfile p = good;
    p.features[0].numeric.missing += 1;
    bad.emplace_back("numeric rows do not add up", p);
  }
  {
    ReferenceProfile p = good;
    p.features[1].categorical.counts.begin()->second += 1;
    bad.emplace_back("categorical rows do not add up", p);
  }
  {
    ReferenceProfile p = good;
    p.features[1].categorical.counts.begin()->second = 0;
    p.features[1].categorical.missing += good.features[1].categorical.counts.begin()->second;
    bad.emplace_back("zero count", p);
  }
  {
    ReferenceProfile p = good;
    p.features[2].name = p.features[0].name;
    bad.emplace_back("duplicate feature", p);
  }
  {
    ReferenceProfile p = good;
    p.prediction->missing = -1;
    bad.emplace_back("negative missing", p);
  }
  {
    ReferenceProfile p = good;
    p.rows += 1;
    bad.emplace_back("rows", p);
  }
  for (const auto& [what, profile] : bad) ExpectDamaged(SerializeProfile(profile), what);
}

}  // namespace
}  // namespace mw::profile
