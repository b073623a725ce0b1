#pragma once

// Geohash math for the GEO commands, numerically identical to Redis 7.0's
// geohash.c and geohash_helper.c: a point is stored as a sorted set score
// holding its 52-bit interleaved geohash (26 steps of longitude and latitude
// bits, latitude limited to the Web Mercator band), and an area search
// scans the score ranges of the geohash box around the centre and its eight
// neighbours. Distances are haversine on Redis's earth radius. The step
// estimate, bounding boxes and box exclusions follow Redis to the bit, so a
// search sees the same candidates, in the same order, as redis-server.
#include <array>
#include <cstdint>
#include <string>

namespace valkdb::geo {

inline constexpr uint8_t kStepMax = 26;  // 52 bits
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;

struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool zero() const { return bits == 0 && step == 0; }
  bool operator==(const HashBits&) const = default;
};

struct Range {
  double min = 0;
  double max = 0;
};

struct Area {
  HashBits hash;
  Range longitude;
  Range latitude;
};

struct Neighbors {
  HashBits north, east, west, south, north_east, south_east, north_west, south_west;
};

// Encodes (longitude, latitude) into `step` bits of each within the ranges;
// false outside the WGS84/Mercator limits or the ranges (Redis's geohashEncode).
bool Encode(const Range& lon_range, const Range& lat_range, double longitude, double latitude,
            uint8_t step, HashBits* hash);
// Encode within the Mercator limits.
bool EncodeWGS84(double longitude, double latitude, uint8_t step, HashBits* hash);
// The cell a hash names (false for a zero hash).
bool Decode(const Range& lon_range, const Range& lat_range, const HashBits& hash, Area* area);
bool DecodeWGS84(const HashBits& hash, Area* area);
// The centre of the cell, clamped to the limits: xy[0] longitude, xy[1] latitude.
bool DecodeToLongLat(const HashBits& hash, double* xy);
// The 8 cells around `hash` (same step).
void GetNeighbors(const HashBits& hash, Neighbors* neighbors);
// The hash shifted left to 52 bits: what a sorted set score holds.
uint64_t Align52Bits(const HashBits& hash);

// The point a GEO sorted set score stands for (Redis's decodeGeohash).
bool DecodeScore(double score, double* xy);
// The score GEOADD stores for a point within the limits.
uint64_t ScoreOf(double longitude, double latitude);
// GEOHASH's 11-character standard geohash of a point (re-encoded with
// latitude in -90..90; the 11th character is always '0').
std::string StandardGeohash(const double* xy);

// Haversine distance in meters (Redis's geohashGetDistance).
double Distance(double lon1, double lat1, double lon2, double lat2);
double LatDistance(double lat1, double lat2);
// The geohash step whose cells are about `range_meters` wide at `lat`.
uint8_t EstimateStepsByRadius(double range_meters, double lat);

// A search area: a circle of `radius` or a `width` x `height` box around
// `xy`, in units of `conversion` meters.
enum class ShapeType { kCircle, kBox };
struct Shape {
  ShapeType type = ShapeType::kCircle;
  double xy[2] = {0, 0};
  double conversion = 1;
  double bounds[4] = {0, 0, 0, 0};  // min lon, min lat, max lon, max lat
  double radius = 0;
  double width = 0;
  double height = 0;
};

// The shape's bounding box (Redis's geohashBoundingBox).
void BoundingBox(const Shape& shape, double* bounds);

// The centre cell and its neighbours to scan for a shape, the useless
// neighbours zeroed (Redis's geohashCalculateAreasByShapeWGS84). Fills
// shape->bounds.
struct SearchAreas {
  HashBits hash;
  Area area;
  Neighbors neighbors;
};
SearchAreas AreasByShape(Shape* shape);
// The nine boxes in the order Redis scans them: centre, N, S, E, W, NE, NW, SE, SW.
std::array<HashBits, 9> BoxesInScanOrder(const SearchAreas& areas);
// The score interval [*min, *max) holding every point of `hash`'s cell.
void ScoresOfBox(HashBits hash, uint64_t* min, uint64_t* max);

// Whether the point of `score` lies in the shape; *xy gets the point and
// *distance its distance in meters from the shape's centre.
bool WithinShape(const Shape& shape, double score, double* xy, double* distance);

}  // namespace valkdb::geo
