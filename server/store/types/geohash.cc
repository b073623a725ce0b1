#include "server/store/types/geohash.h"

#include <cmath>

namespace valkdb::geo {
namespace {

// Redis's constants and conversions, written as it writes them so every
// result rounds the same way.
constexpr double kDegToRad = M_PI / 180.0;
constexpr double kEarthRadiusInMeters = 6372797.560856;
constexpr double kMercatorMax = 20037726.37;

double DegRad(double ang) { return ang * kDegToRad; }
double RadDeg(double ang) { return ang / kDegToRad; }

bool RangeIsZero(const Range& r) { return r.max == 0 && r.min == 0; }

constexpr Range kLonRange{kLonMin, kLonMax};
constexpr Range kLatRange{kLatMin, kLatMax};

// Interleaves x's bits on even positions and y's on odd ones.
uint64_t Interleave64(uint32_t xlo, uint32_t ylo) {
  static constexpr uint64_t B[] = {0x5555555555555555ULL, 0x3333333333333333ULL,
                                   0x0F0F0F0F0F0F0F0FULL, 0x00FF00FF00FF00FFULL,
                                   0x0000FFFF0000FFFFULL};
  static constexpr unsigned S[] = {1, 2, 4, 8, 16};
  uint64_t x = xlo, y = ylo;
  for (int i = 4; i >= 0; --i) {
    x = (x | (x << S[i])) & B[i];
    y = (y | (y << S[i])) & B[i];
  }
  return x | (y << 1);
}

// The inverse: even bits to the low 32, odd bits to the high 32.
uint64_t Deinterleave64(uint64_t interleaved) {
  static constexpr uint64_t B[] = {0x5555555555555555ULL, 0x3333333333333333ULL,
                                   0x0F0F0F0F0F0F0F0FULL, 0x00FF00FF00FF00FFULL,
                                   0x0000FFFF0000FFFFULL, 0x00000000FFFFFFFFULL};
  static constexpr unsigned S[] = {0, 1, 2, 4, 8, 16};
  uint64_t x = interleaved, y = interleaved >> 1;
  for (int i = 0; i < 6; ++i) {
    x = (x | (x >> S[i])) & B[i];
    y = (y | (y >> S[i])) & B[i];
  }
  return x | (y << 32);
}

void MoveX(HashBits* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  const uint64_t y = hash->bits & 0x5555555555555555ULL;
  const uint64_t zz = 0x5555555555555555ULL >> (64 - hash->step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

void MoveY(HashBits* hash, int d) {
  if (d == 0) return;
  const uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  const uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

HashBits Moved(HashBits hash, int dx, int dy) {
  MoveX(&hash, dx);
  MoveY(&hash, dy);
  return hash;
}

}  // namespace

bool Encode(const Range& lon_range, const Range& lat_range, double longitude, double latitude,
            uint8_t step, HashBits* hash) {
  if (step > 32 || step == 0 || RangeIsZero(lat_range) || RangeIsZero(lon_range)) return false;
  if (longitude > kLonMax || longitude < kLonMin || latitude > kLatMax || latitude < kLatMin) {
    return false;
  }
  hash->bits = 0;
  hash->step = step;
  if (latitude < lat_range.min || latitude > lat_range.max || longitude < lon_range.min ||
      longitude > lon_range.max) {
    return false;
  }
  double lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
  double long_offset = (longitude - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  long_offset *= static_cast<double>(1ULL << step);
  hash->bits = Interleave64(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(long_offset));
  return true;
}

bool EncodeWGS84(double longitude, double latitude, uint8_t step, HashBits* hash) {
  return Encode(kLonRange, kLatRange, longitude, latitude, step, hash);
}

bool Decode(const Range& lon_range, const Range& lat_range, const HashBits& hash, Area* area) {
  if (hash.zero() || RangeIsZero(lat_range) || RangeIsZero(lon_range)) return false;
  area->hash = hash;
  const uint8_t step = hash.step;
  const uint64_t hash_sep = Deinterleave64(hash.bits);  // [LAT][LONG]
  const double lat_scale = lat_range.max - lat_range.min;
  const double long_scale = lon_range.max - lon_range.min;
  const auto ilato = static_cast<uint32_t>(hash_sep);
  const auto ilono = static_cast<uint32_t>(hash_sep >> 32);
  const auto cells = static_cast<double>(1ULL << step);
  area->latitude.min = lat_range.min + (ilato * 1.0 / cells) * lat_scale;
  area->latitude.max = lat_range.min + ((ilato + 1) * 1.0 / cells) * lat_scale;
  area->longitude.min = lon_range.min + (ilono * 1.0 / cells) * long_scale;
  area->longitude.max = lon_range.min + ((ilono + 1) * 1.0 / cells) * long_scale;
  return true;
}

bool DecodeWGS84(const HashBits& hash, Area* area) {
  return Decode(kLonRange, kLatRange, hash, area);
}

bool DecodeToLongLat(const HashBits& hash, double* xy) {
  Area area;
  if (!DecodeWGS84(hash, &area)) return false;
  xy[0] = (area.longitude.min + area.longitude.max) / 2;
  if (xy[0] > kLonMax) xy[0] = kLonMax;
  if (xy[0] < kLonMin) xy[0] = kLonMin;
  xy[1] = (area.latitude.min + area.latitude.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
  return true;
}

void GetNeighbors(const HashBits& hash, Neighbors* n) {
  n->east = Moved(hash, 1, 0);
  n->west = Moved(hash, -1, 0);
  n->south = Moved(hash, 0, -1);
  n->north = Moved(hash, 0, 1);
  n->north_west = Moved(hash, -1, 1);
  n->north_east = Moved(hash, 1, 1);
  n->south_east = Moved(hash, 1, -1);
  n->south_west = Moved(hash, -1, -1);
}

uint64_t Align52Bits(const HashBits& hash) { return hash.bits << (52 - hash.step * 2); }

// Redis's (uint64_t)score, as x86-64 computes it, without the undefined
// behaviour: a negative score wraps, and what no int64 holds (NaN, -inf,
// below -2^63) becomes 2^63.
uint64_t ScoreBits(double score) {
  if (score >= 9223372036854775808.0) {
    return score < 18446744073709551616.0 ? static_cast<uint64_t>(score) : 0;
  }
  if (!(score > -9223372036854775808.0)) return uint64_t{1} << 63;
  return static_cast<uint64_t>(static_cast<int64_t>(score));
}

bool DecodeScore(double score, double* xy) {
  const HashBits hash{ScoreBits(score), kStepMax};
  return DecodeToLongLat(hash, xy);
}

uint64_t ScoreOf(double longitude, double latitude) {
  HashBits hash;
  EncodeWGS84(longitude, latitude, kStepMax, &hash);
  return Align52Bits(hash);
}

std::string StandardGeohash(const double* xy) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  HashBits hash;
  Encode(Range{-180, 180}, Range{-90, 90}, xy[0], xy[1], 26, &hash);
  std::string out(11, '0');
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(hash.bits >> (52 - ((i + 1) * 5))) & 0x1f];
  return out;
}

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusInMeters * std::fabs(DegRad(lat2) - DegRad(lat1));
}

double Distance(double lon1d, double lat1d, double lon2d, double lat2d) {
  const double lon1r = DegRad(lon1d);
  const double lon2r = DegRad(lon2d);
  const double v = std::sin((lon2r - lon1r) / 2);
  // Equal longitudes: the distance is along the meridian.
  if (v == 0.0) return LatDistance(lat1d, lat2d);
  const double lat1r = DegRad(lat1d);
  const double lat2r = DegRad(lat2d);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusInMeters * std::asin(std::sqrt(a));
}

uint8_t EstimateStepsByRadius(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // so the range is inside most of the base cases
  // Wider cells towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return static_cast<uint8_t>(step);
}

void BoundingBox(const Shape& shape, double* bounds) {
  const double longitude = shape.xy[0];
  const double latitude = shape.xy[1];
  const bool circle = shape.type == ShapeType::kCircle;
  const double height = shape.conversion * (circle ? shape.radius : shape.height / 2);
  const double width = shape.conversion * (circle ? shape.radius : shape.width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusInMeters);
  const double long_delta_top =
      RadDeg(width / kEarthRadiusInMeters / std::cos(DegRad(latitude + lat_delta)));
  const double long_delta_bottom =
      RadDeg(width / kEarthRadiusInMeters / std::cos(DegRad(latitude - lat_delta)));
  // The hemispheres widen in opposite directions.
  const bool southern = latitude < 0;
  bounds[0] = southern ? longitude - long_delta_bottom : longitude - long_delta_top;
  bounds[2] = southern ? longitude + long_delta_bottom : longitude + long_delta_top;
  bounds[1] = latitude - lat_delta;
  bounds[3] = latitude + lat_delta;
}

SearchAreas AreasByShape(Shape* shape) {
  BoundingBox(*shape, shape->bounds);
  const double min_lon = shape->bounds[0];
  const double min_lat = shape->bounds[1];
  const double max_lon = shape->bounds[2];
  const double max_lat = shape->bounds[3];
  const double longitude = shape->xy[0];
  const double latitude = shape->xy[1];
  // A box is covered by the circle through its corners.
  double radius_meters = shape->type == ShapeType::kCircle
                             ? shape->radius
                             : std::sqrt((shape->width / 2) * (shape->width / 2) +
                                         (shape->height / 2) * (shape->height / 2));
  radius_meters *= shape->conversion;

  SearchAreas out;
  int steps = EstimateStepsByRadius(radius_meters, latitude);
  auto compute = [&] {
    EncodeWGS84(longitude, latitude, static_cast<uint8_t>(steps), &out.hash);
    GetNeighbors(out.hash, &out.neighbors);
    DecodeWGS84(out.hash, &out.area);
  };
  compute();
  // Near a cell's edge the estimated step may leave part of the area
  // outside the nine cells: one step coarser then.
  bool decrease_step = false;
  {
    Area north, south, east, west;
    DecodeWGS84(out.neighbors.north, &north);
    DecodeWGS84(out.neighbors.south, &south);
    DecodeWGS84(out.neighbors.east, &east);
    DecodeWGS84(out.neighbors.west, &west);
    if (north.latitude.max < max_lat) decrease_step = true;
    if (south.latitude.min > min_lat) decrease_step = true;
    if (east.longitude.max < max_lon) decrease_step = true;
    if (west.longitude.min > min_lon) decrease_step = true;
  }
  if (steps > 1 && decrease_step) {
    steps--;
    compute();
  }
  // Drop the neighbours the area cannot reach.
  if (steps >= 2) {
    Neighbors& n = out.neighbors;
    if (out.area.latitude.min < min_lat) n.south = n.south_west = n.south_east = HashBits{};
    if (out.area.latitude.max > max_lat) n.north = n.north_east = n.north_west = HashBits{};
    if (out.area.longitude.min < min_lon) n.west = n.south_west = n.north_west = HashBits{};
    if (out.area.longitude.max > max_lon) n.east = n.south_east = n.north_east = HashBits{};
  }
  return out;
}

std::array<HashBits, 9> BoxesInScanOrder(const SearchAreas& a) {
  const Neighbors& n = a.neighbors;
  return {a.hash,       n.north,      n.south,      n.east,      n.west,
          n.north_east, n.north_west, n.south_east, n.south_west};
}

void ScoresOfBox(HashBits hash, uint64_t* min, uint64_t* max) {
  *min = Align52Bits(hash);
  hash.bits++;
  *max = Align52Bits(hash);
}

bool WithinShape(const Shape& shape, double score, double* xy, double* distance) {
  if (!DecodeScore(score, xy)) return false;
  if (shape.type == ShapeType::kCircle) {
    *distance = Distance(shape.xy[0], shape.xy[1], xy[0], xy[1]);
    return *distance <= shape.radius * shape.conversion;
  }
  const double width_m = shape.width * shape.conversion;
  const double height_m = shape.height * shape.conversion;
  // The latitude check is the cheaper one.
  if (LatDistance(xy[1], shape.xy[1]) > height_m / 2) return false;
  if (Distance(xy[0], xy[1], shape.xy[0], xy[1]) > width_m / 2) return false;
  *distance = Distance(shape.xy[0], shape.xy[1], xy[0], xy[1]);
  return true;
}

}  // namespace valkdb::geo
