// Geohash math against values redis-server 7.0.15 gives (GEOADD's scores,
// GEOPOS, GEOHASH, GEODIST) and against the properties the search relies on:
// encode/decode round trips within a cell, neighbours adjacent, the nine
// boxes covering every point of a circle, Redis's step estimates.
#include "server/store/types/geohash.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace valkdb::geo {
namespace {

TEST(GeohashTest, ScoresAsRedisStoresThem) {
  // GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania;
  // ZSCORE gives these in redis-server 7.0.15.
  EXPECT_EQ(ScoreOf(13.361389, 38.115556), 3479099956230698ULL);
  EXPECT_EQ(ScoreOf(15.087269, 37.502669), 3479447370796909ULL);
  EXPECT_EQ(ScoreOf(-180, -85.05112878), 0ULL);
}

TEST(GeohashTest, DecodesToTheCellCentre) {
  double xy[2];
  ASSERT_TRUE(DecodeScore(3479099956230698.0, xy));
  // GEOPOS Sicily Palermo: 13.36138933897018433, 38.11555639549629859
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(xy[0]));
  EXPECT_STREQ(buf, "13.36138933897018433");
  std::snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(xy[1]));
  EXPECT_STREQ(buf, "38.11555639549629859");
  EXPECT_FALSE(DecodeToLongLat(HashBits{}, xy));
}

TEST(GeohashTest, StandardGeohashString) {
  double xy[2];
  ASSERT_TRUE(DecodeScore(3479099956230698.0, xy));
  EXPECT_EQ(StandardGeohash(xy), "sqc8b49rny0");
  ASSERT_TRUE(DecodeScore(3479447370796909.0, xy));
  EXPECT_EQ(StandardGeohash(xy), "sqdtr74hyu0");
}

TEST(GeohashTest, DistanceIsRedisHaversine) {
  double a[2], b[2];
  ASSERT_TRUE(DecodeScore(3479099956230698.0, a));
  ASSERT_TRUE(DecodeScore(3479447370796909.0, b));
  // GEODIST Sicily Palermo Catania: "166274.1516"
  EXPECT_EQ(std::llrint(Distance(a[0], a[1], b[0], b[1]) * 10000), 1662741516LL);
  EXPECT_EQ(Distance(10, 20, 10, 20), 0);
  EXPECT_DOUBLE_EQ(Distance(10, 0, 10, 1), LatDistance(0, 1));
}

TEST(GeohashTest, RoundTripStaysInTheCell) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lon(kLonMin, kLonMax), lat(kLatMin, kLatMax);
  for (int i = 0; i < 10000; ++i) {
    const double x = lon(rng), y = lat(rng);
    HashBits hash;
    ASSERT_TRUE(EncodeWGS84(x, y, kStepMax, &hash));
    Area area;
    ASSERT_TRUE(DecodeWGS84(hash, &area));
    EXPECT_LE(area.longitude.min, x);
    EXPECT_GE(area.longitude.max, x);
    EXPECT_LE(area.latitude.min, y);
    EXPECT_GE(area.latitude.max, y);
    EXPECT_LT(Align52Bits(hash), 1ULL << 52);
  }
}

TEST(GeohashTest, RejectsOutOfLimits) {
  HashBits hash;
  EXPECT_FALSE(EncodeWGS84(180.1, 0, kStepMax, &hash));
  EXPECT_FALSE(EncodeWGS84(0, 85.06, kStepMax, &hash));
  EXPECT_FALSE(EncodeWGS84(0, 0, 0, &hash));
  EXPECT_TRUE(EncodeWGS84(180, 85.05112878, kStepMax, &hash));
}

TEST(GeohashTest, NeighboursAreAdjacentCells) {
  HashBits hash;
  ASSERT_TRUE(EncodeWGS84(13.36, 38.11, 10, &hash));
  Area centre, east, north, south_west;
  Neighbors n;
  GetNeighbors(hash, &n);
  ASSERT_TRUE(DecodeWGS84(hash, &centre));
  ASSERT_TRUE(DecodeWGS84(n.east, &east));
  ASSERT_TRUE(DecodeWGS84(n.north, &north));
  ASSERT_TRUE(DecodeWGS84(n.south_west, &south_west));
  EXPECT_DOUBLE_EQ(east.longitude.min, centre.longitude.max);
  EXPECT_DOUBLE_EQ(east.latitude.min, centre.latitude.min);
  EXPECT_DOUBLE_EQ(north.latitude.min, centre.latitude.max);
  EXPECT_DOUBLE_EQ(south_west.longitude.max, centre.longitude.min);
  EXPECT_DOUBLE_EQ(south_west.latitude.max, centre.latitude.min);
}

TEST(GeohashTest, StepEstimates) {
  EXPECT_EQ(EstimateStepsByRadius(0, 0), 26);
  EXPECT_EQ(EstimateStepsByRadius(1, 0), 24);
  EXPECT_EQ(EstimateStepsByRadius(1000, 0), 14);
  EXPECT_EQ(EstimateStepsByRadius(1000, 70), 13);
  EXPECT_EQ(EstimateStepsByRadius(1000, -81), 12);
  EXPECT_EQ(EstimateStepsByRadius(5e7, 0), 1);
}

// Every point within the radius lies in one of the nine boxes' score ranges.
TEST(GeohashTest, NineBoxesCoverTheCircle) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> lon(-170, 170), lat(-80, 80), unit(-1, 1);
  for (int round = 0; round < 200; ++round) {
    Shape shape;
    shape.xy[0] = lon(rng);
    shape.xy[1] = lat(rng);
    shape.radius = std::pow(10, 1 + 5 * (unit(rng) + 1) / 2);  // 10 m .. 1000 km
    const SearchAreas areas = AreasByShape(&shape);
    const auto boxes = BoxesInScanOrder(areas);
    for (int i = 0; i < 200; ++i) {
      const double x = shape.xy[0] + unit(rng) * (shape.bounds[2] - shape.xy[0]);
      const double y = shape.xy[1] + unit(rng) * (shape.bounds[3] - shape.xy[1]);
      if (x < kLonMin || x > kLonMax || y < kLatMin || y > kLatMax) continue;
      const double score = static_cast<double>(ScoreOf(x, y));
      double xy[2], distance = 0;
      if (!WithinShape(shape, score, xy, &distance)) continue;
      bool covered = false;
      for (const HashBits& box : boxes) {
        if (box.zero()) continue;
        uint64_t min = 0, max = 0;
        ScoresOfBox(box, &min, &max);
        covered |= score >= static_cast<double>(min) && score < static_cast<double>(max);
      }
      EXPECT_TRUE(covered) << x << "," << y << " radius " << shape.radius;
    }
  }
}

TEST(GeohashTest, BoxShape) {
  Shape shape;
  shape.type = ShapeType::kBox;
  shape.xy[0] = 0;
  shape.xy[1] = 0;
  shape.width = 2000;
  shape.height = 1000;
  double xy[2], distance = 0;
  EXPECT_TRUE(WithinShape(shape, static_cast<double>(ScoreOf(0.008, 0.004)), xy, &distance));
  EXPECT_FALSE(WithinShape(shape, static_cast<double>(ScoreOf(0.008, 0.005)), xy, &distance));
  EXPECT_FALSE(WithinShape(shape, static_cast<double>(ScoreOf(0.0095, 0)), xy, &distance));
}

}  // namespace
}  // namespace valkdb::geo
