// GEO: GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUSBYMEMBER
// GEORADIUS_RO GEORADIUSBYMEMBER_RO GEOSEARCH GEOSEARCHSTORE
//
// Each follows its Redis 7.0 counterpart in geo.c: a GEO key is a sorted set
// whose scores are 52-bit geohashes (types/geohash.h), so GEOADD is ZADD with
// the coordinates turned into scores (and is propagated as that ZADD, as
// Redis does), and the searches scan the score ranges of nine geohash boxes.
// Argument checks come in Redis's order, with its error texts; distances are
// replied with 4 decimals, coordinates in Redis's "human" long double form.
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/typed.h"
#include "server/store/types/geohash.h"
#include "server/store/types/small_zset.h"

namespace valkdb {
namespace {

constexpr Entry::Type kZSet = Entry::Type::kZSet;

// ------------------------------------------------------------------ parsing

// Redis's getDoubleFromObjectOrReply: false after replying `error`.
bool ParseDoubleArg(CommandContext& ctx, std::string_view text, double* value,
                    std::string_view error = errors::kNotFloat) {
  if (ParseZSetScore(text, value)) return true;
  ctx.out.Error(error);
  return false;
}

// Redis's extractLongLatOrReply: a longitude then a latitude within the limits.
bool ParseLongLat(CommandContext& ctx, size_t index, double* xy) {
  for (size_t i = 0; i < 2; ++i) {
    if (!ParseDoubleArg(ctx, ctx.arg(index + i), &xy[i])) return false;
  }
  if (xy[0] < geo::kLonMin || xy[0] > geo::kLonMax || xy[1] < geo::kLatMin ||
      xy[1] > geo::kLatMax) {
    ctx.out.Error(absl::StrFormat("invalid longitude,latitude pair %f,%f", xy[0], xy[1]));
    return false;
  }
  return true;
}

// Redis's extractUnitOrReply: meters per unit, or -1 after replying.
double ParseUnit(CommandContext& ctx, std::string_view unit) {
  if (EqualsIgnoreCase(unit, "m")) return 1;
  if (EqualsIgnoreCase(unit, "km")) return 1000;
  if (EqualsIgnoreCase(unit, "ft")) return 0.3048;
  if (EqualsIgnoreCase(unit, "mi")) return 1609.34;
  ctx.out.Error("unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

// Redis's extractDistanceOrReply: <radius> <unit> at index.
bool ParseRadius(CommandContext& ctx, size_t index, geo::Shape* shape) {
  double radius = 0;
  if (!ParseDoubleArg(ctx, ctx.arg(index), &radius, "need numeric radius")) return false;
  if (radius < 0) {
    ctx.out.Error("radius cannot be negative");
    return false;
  }
  shape->radius = radius;
  const double to_meters = ParseUnit(ctx, ctx.arg(index + 1));
  if (to_meters < 0) return false;
  shape->conversion = to_meters;
  return true;
}

// Redis's extractBoxOrReply: <width> <height> <unit> at index.
bool ParseBox(CommandContext& ctx, size_t index, geo::Shape* shape) {
  double w = 0, h = 0;
  if (!ParseDoubleArg(ctx, ctx.arg(index), &w, "need numeric width") ||
      !ParseDoubleArg(ctx, ctx.arg(index + 1), &h, "need numeric height")) {
    return false;
  }
  if (h < 0 || w < 0) {
    ctx.out.Error("height or width cannot be negative");
    return false;
  }
  shape->height = h;
  shape->width = w;
  const double to_meters = ParseUnit(ctx, ctx.arg(index + 2));
  if (to_meters < 0) return false;
  shape->conversion = to_meters;
  return true;
}

// ---------------------------------------------------------------- replies

// Redis's addReplyDoubleDistance: fixed point with 4 decimals, as a bulk
// string in both protocols (fixedpoint_d2string: rounded with llrint).
void ReplyDistance(CommandContext& ctx, double d) {
  const long long scaled = std::llrint(d * 10000.0);
  const bool negative = scaled < 0;
  const unsigned long long value = negative ? 0ULL - static_cast<unsigned long long>(scaled)
                                            : static_cast<unsigned long long>(scaled);
  ctx.out.Bulk(absl::StrFormat("%s%d.%04d", negative ? "-" : "", value / 10000, value % 10000));
}

// Redis's addReplyHumanLongDouble: "%.17Lf" without trailing zeros; a bulk
// string in RESP2, a double in RESP3.
void ReplyHumanDouble(CommandContext& ctx, double d) {
  char buf[512];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(d));
  if (std::isinf(d)) len = std::snprintf(buf, sizeof(buf), d > 0 ? "inf" : "-inf");
  std::string_view text(buf, static_cast<size_t>(len));
  if (!std::isinf(d) && text.find('.') != std::string_view::npos) {
    while (text.back() == '0') text.remove_suffix(1);
    if (text.back() == '.') text.remove_suffix(1);
  }
  if (text == "-0") text = "0";
  if (ctx.out.resp3()) {
    ctx.out.Raw(StrCat(",", text, "\r\n"));
  } else {
    ctx.out.Bulk(text);
  }
}

// The entry of `key` for a read; null when missing. *wrongtype after WRONGTYPE.
const Entry* ReadGeo(CommandContext& ctx, std::string_view key, bool* wrongtype) {
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, ctx.shard(key), key, kZSet, true, &entry);
  *wrongtype = found == Lookup::kWrongType;
  return found == Lookup::kFound ? entry : nullptr;
}

// Redis's longLatFromMember.
bool LongLatFromMember(const Entry& entry, std::string_view member, double* xy) {
  double score = 0;
  return ZSetMemberScore(entry, member, &score) && geo::DecodeScore(score, xy);
}

// --------------------------------------------------------------- commands

// GEOADD key [NX|XX] [CH] longitude latitude member [...]: ZADD with the
// points' geohashes as scores; propagated as that ZADD.
void CmdGeoAdd(CommandContext& ctx) {
  size_t longidx = 2;
  bool nx = false, xx = false;
  for (; longidx < ctx.argc(); ++longidx) {
    std::string_view opt = ctx.arg(longidx);
    if (EqualsIgnoreCase(opt, "nx")) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      xx = true;
    } else if (!EqualsIgnoreCase(opt, "ch")) {
      break;
    }
  }
  if ((ctx.argc() - longidx) % 3 != 0 || (xx && nx)) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  const size_t elements = (ctx.argc() - longidx) / 3;
  std::vector<std::string> scores(elements);
  for (size_t i = 0; i < elements; ++i) {
    double xy[2];
    if (!ParseLongLat(ctx, longidx + i * 3, xy)) return;
    scores[i] = StrCat(static_cast<int64_t>(geo::ScoreOf(xy[0], xy[1])));
  }
  std::vector<std::string_view> argv;
  argv.reserve(longidx + elements * 2);
  argv.push_back("zadd");
  for (size_t i = 1; i < longidx; ++i) argv.push_back(ctx.arg(i));
  for (size_t i = 0; i < elements; ++i) {
    argv.push_back(scores[i]);
    argv.push_back(ctx.arg(longidx + i * 3 + 2));
  }
  CommandArgs zadd_args;
  zadd_args.Assign(argv);
  CommandContext zadd{ctx.store, ctx.server, ctx.client, ctx.out,
                      zadd_args, ctx.now_ms, ctx.pushes, ctx.locks};
  ZAddCommand(zadd);
  ctx.wrote = zadd.wrote;
  ctx.propagate.assign(argv.begin(), argv.end());
}

// GEODIST key member1 member2 [unit]
void CmdGeoDist(CommandContext& ctx) {
  double to_meter = 1;
  if (ctx.argc() == 5) {
    to_meter = ParseUnit(ctx, ctx.arg(4));
    if (to_meter < 0) return;
  } else if (ctx.argc() > 5) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  bool wrongtype = false;
  const Entry* entry = ReadGeo(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  double score1 = 0, score2 = 0, xyxy[4];
  if (entry == nullptr || !ZSetMemberScore(*entry, ctx.arg(2), &score1) ||
      !ZSetMemberScore(*entry, ctx.arg(3), &score2) || !geo::DecodeScore(score1, xyxy) ||
      !geo::DecodeScore(score2, xyxy + 2)) {
    ctx.out.Null();
    return;
  }
  ReplyDistance(ctx, geo::Distance(xyxy[0], xyxy[1], xyxy[2], xyxy[3]) / to_meter);
}

// GEOHASH key [member ...]
void CmdGeoHash(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadGeo(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  ctx.out.Array(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    double score = 0, xy[2];
    if (entry == nullptr || !ZSetMemberScore(*entry, ctx.arg(j), &score) ||
        !geo::DecodeScore(score, xy)) {
      ctx.out.Null();
      continue;
    }
    ctx.out.Bulk(geo::StandardGeohash(xy));
  }
}

// GEOPOS key [member ...]
void CmdGeoPos(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadGeo(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  ctx.out.Array(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    double score = 0, xy[2];
    if (entry == nullptr || !ZSetMemberScore(*entry, ctx.arg(j), &score) ||
        !geo::DecodeScore(score, xy)) {
      ctx.out.NullArray();
      continue;
    }
    ctx.out.Array(2);
    ReplyHumanDouble(ctx, xy[0]);
    ReplyHumanDouble(ctx, xy[1]);
  }
}

// ------------------------------------------------------------- searches

enum SearchFlags : int {
  kRadiusCoords = 1,     // GEORADIUS[_RO]: around a point
  kRadiusMember = 2,     // GEORADIUSBYMEMBER[_RO]: around a member
  kRadiusNoStore = 4,    // the _RO variants: no STORE/STOREDIST
  kGeoSearch = 8,        // GEOSEARCH's arguments
  kGeoSearchStore = 16,  // GEOSEARCHSTORE: the destination first
};

enum class Sort { kNone, kAsc, kDesc };

struct GeoPoint {
  double longitude;
  double latitude;
  double dist;
  double score;
  std::string_view member;  // into the source entry, valid while its shard is locked
};

// Redis's sort_gp_asc (sort_gp_desc is its negation).
int CompareDistAsc(const GeoPoint& a, const GeoPoint& b) {
  if (a.dist > b.dist) return 1;
  if (a.dist == b.dist) return 0;
  return -1;
}

// Redis's pqsort (Bentley & McIlroy's quicksort that only recurses into
// parts overlapping [lo, hi]): what GEORADIUS uses when COUNT keeps fewer
// than it found. It is not stable, so points at equal distances come out in
// its order; ported step for step so they come out as in Redis.
template <class Cmp>
void PartialQuickSort(GeoPoint* a, size_t n, const Cmp& cmp, const GeoPoint* lo,
                      const GeoPoint* hi) {
  auto med3 = [&](GeoPoint* x, GeoPoint* y, GeoPoint* z) {
    return cmp(*x, *y) < 0 ? (cmp(*y, *z) < 0 ? y : (cmp(*x, *z) < 0 ? z : x))
                           : (cmp(*y, *z) > 0 ? y : (cmp(*x, *z) < 0 ? x : z));
  };
  auto vecswap = [](GeoPoint* x, GeoPoint* y, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; ++i) std::swap(x[i], y[i]);
  };
  // Whether [start, end) holds part of [lo, hi].
  auto overlaps = [&](const GeoPoint* start, const GeoPoint* end) {
    return !((lo < start && hi < start) || (lo >= end && hi >= end));
  };
  for (;;) {
    if (n < 7) {
      for (GeoPoint* pm = a + 1; pm < a + n; ++pm) {
        for (GeoPoint* pl = pm; pl > a && cmp(pl[-1], *pl) > 0; --pl) std::swap(*pl, pl[-1]);
      }
      return;
    }
    GeoPoint* pm = a + n / 2;
    if (n > 7) {
      GeoPoint* pl = a;
      GeoPoint* pn = a + n - 1;
      if (n > 40) {
        const size_t d = n / 8;
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    std::swap(*a, *pm);
    GeoPoint *pa = a + 1, *pb = a + 1, *pc = a + n - 1, *pd = a + n - 1;
    for (;;) {
      int c = 0;
      while (pb <= pc && (c = cmp(*pb, *a)) <= 0) {
        if (c == 0) std::swap(*pa++, *pb);
        ++pb;
      }
      while (pb <= pc && (c = cmp(*pc, *a)) >= 0) {
        if (c == 0) std::swap(*pc, *pd--);
        --pc;
      }
      if (pb > pc) break;
      std::swap(*pb++, *pc--);
    }
    GeoPoint* pn = a + n;
    ptrdiff_t r = std::min(pa - a, pb - pa);
    vecswap(a, pb - r, r);
    r = std::min(pd - pc, pn - pd - 1);
    vecswap(pb, pn - r, r);
    if ((r = pb - pa) > 1 && overlaps(a, a + r)) {
      PartialQuickSort(a, static_cast<size_t>(r), cmp, lo, hi);
    }
    if ((r = pd - pc) <= 1) return;
    a = pn - r;
    n = static_cast<size_t>(r);
    if (!overlaps(a, a + r)) return;
  }
}

// Redis's geoGetPointsInRange: the members with min <= score < max inside
// the shape, appended to *points; stops once `limit` points (0: no limit).
void PointsInRange(const Entry& entry, double min, double max, const geo::Shape& shape,
                   std::vector<GeoPoint>* points, size_t limit) {
  ForEachZSetInScoreRange(entry, min, max, [&](std::string_view member, double score) {
    double xy[2], distance = 0;
    if (geo::WithinShape(shape, score, xy, &distance)) {
      points->push_back({xy[0], xy[1], distance, score, member});
    }
    return !(!points->empty() && limit != 0 && points->size() >= limit);
  });
}

// Redis's membersOfAllNeighbors: the nine boxes, skipping zeroed ones and
// a box equal to the one scanned last (huge radii make neighbours repeat).
void PointsOfAllBoxes(const Entry& entry, const geo::SearchAreas& areas, const geo::Shape& shape,
                      std::vector<GeoPoint>* points, size_t limit) {
  const std::array<geo::HashBits, 9> boxes = geo::BoxesInScanOrder(areas);
  size_t last_processed = 0;
  for (size_t i = 0; i < boxes.size(); ++i) {
    if (boxes[i].zero()) continue;
    if (last_processed != 0 && boxes[i] == boxes[last_processed]) continue;
    if (!points->empty() && limit != 0 && points->size() >= limit) break;
    uint64_t min = 0, max = 0;
    geo::ScoresOfBox(boxes[i], &min, &max);
    PointsInRange(entry, static_cast<double>(min), static_cast<double>(max), shape, points, limit);
    last_processed = i;
  }
}

// The STORE/STOREDIST key of GEORADIUS[BYMEMBER] as Redis's
// georadiusGetKeys finds it (the last one given); 0 when none.
size_t GeoRadiusStoreIndex(const CommandContext& ctx) {
  size_t stored = 0;
  for (size_t i = 5; i < ctx.argc(); ++i) {
    if ((EqualsIgnoreCase(ctx.arg(i), "store") || EqualsIgnoreCase(ctx.arg(i), "storedist")) &&
        i + 1 < ctx.argc()) {
      stored = i + 1;
      ++i;
    }
  }
  return stored;
}

// Stores the points at `dest` (their hash or distance as score), or deletes
// `dest` when there are none; replies the count. Redis's georadiusGeneric's
// store branch: the event is georadiusstore or geosearchstore.
void StorePoints(CommandContext& ctx, std::string_view dest, const std::vector<GeoPoint>& points,
                 size_t count, bool storedist, double conversion,
                 std::string_view event) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Shard& shard = ctx.shard(dest);
  if (count == 0) {
    if (shard.Find(dest, ctx.now_ms) != nullptr && shard.Erase(dest)) {
      ctx.KeyModified(dest);
      ctx.Notify(kEventGeneric, "del", dest);
    }
    ctx.out.Integer(0);
    return;
  }
  std::vector<small_zset::Record> records;
  records.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const GeoPoint& p = points[i];
    records.push_back({p.member, storedist ? p.dist / conversion : p.score});
  }
  Entry stored = MakeZSetEntry(dest, &records, *ctx.server.config);
  shard.Put(dest, std::move(stored), std::nullopt, false);
  ctx.KeyReady(ctx.client.db, dest);
  ctx.KeyModified(dest);
  ctx.Notify(kEventZset, event, dest);
  ctx.out.Integer(static_cast<int64_t>(count));
}

// Redis's georadiusGeneric: GEORADIUS GEORADIUSBYMEMBER (and _RO),
// GEOSEARCH GEOSEARCHSTORE. The source key is at `src_index`.
void GeoSearchGeneric(CommandContext& ctx, size_t src_index, int flags) {
  std::string_view storekey;
  bool storedist = false;
  bool wrongtype = false;
  const Entry* entry = ReadGeo(ctx, ctx.arg(src_index), &wrongtype);
  if (wrongtype) return;

  size_t base_args = 0;
  geo::Shape shape;
  if (flags & kRadiusCoords) {
    base_args = 6;
    shape.type = geo::ShapeType::kCircle;
    if (!ParseLongLat(ctx, 2, shape.xy)) return;
    if (!ParseRadius(ctx, base_args - 2, &shape)) return;
  } else if ((flags & kRadiusMember) && entry == nullptr) {
    // No source: parse on, to know which empty reply STORE calls for.
    base_args = 5;
  } else if (flags & kRadiusMember) {
    base_args = 5;
    shape.type = geo::ShapeType::kCircle;
    if (!LongLatFromMember(*entry, ctx.arg(2), shape.xy)) {
      ctx.out.Error("could not decode requested zset member");
      return;
    }
    if (!ParseRadius(ctx, base_args - 2, &shape)) return;
  } else {
    base_args = 2;
    if (flags & kGeoSearchStore) {
      base_args = 3;
      storekey = ctx.arg(1);
    }
  }

  bool withdist = false, withhash = false, withcoords = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  Sort sort = Sort::kNone;
  bool any = false;
  int64_t count = 0;
  const bool search = flags & kGeoSearch;
  const bool may_store = !(flags & kRadiusNoStore) && !search;
  const size_t remaining = ctx.argc() > base_args ? ctx.argc() - base_args : 0;
  for (size_t i = 0; i < remaining; ++i) {
    std::string_view arg = ctx.arg(base_args + i);
    if (EqualsIgnoreCase(arg, "withdist")) {
      withdist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      withhash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      withcoords = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      sort = Sort::kAsc;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      sort = Sort::kDesc;
    } else if (EqualsIgnoreCase(arg, "count") && i + 1 < remaining) {
      if (!ParseIntArg(ctx, ctx.arg(base_args + i + 1), &count)) return;
      if (count <= 0) {
        ctx.out.Error("COUNT must be > 0");
        return;
      }
      ++i;
    } else if (EqualsIgnoreCase(arg, "store") && i + 1 < remaining && may_store) {
      storekey = ctx.arg(base_args + i + 1);
      storedist = false;
      ++i;
    } else if (EqualsIgnoreCase(arg, "storedist") && i + 1 < remaining && may_store) {
      storekey = ctx.arg(base_args + i + 1);
      storedist = true;
      ++i;
    } else if (EqualsIgnoreCase(arg, "storedist") && search && (flags & kGeoSearchStore)) {
      storedist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && i + 1 < remaining && search && !fromloc) {
      // Without a source, parse on and reply once done.
      if (entry != nullptr && !LongLatFromMember(*entry, ctx.arg(base_args + i + 1), shape.xy)) {
        ctx.out.Error("could not decode requested zset member");
        return;
      }
      frommember = true;
      ++i;
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && i + 2 < remaining && search && !frommember) {
      if (!ParseLongLat(ctx, base_args + i + 1, shape.xy)) return;
      fromloc = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && i + 2 < remaining && search && !bybox) {
      if (!ParseRadius(ctx, base_args + i + 1, &shape)) return;
      shape.type = geo::ShapeType::kCircle;
      byradius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && i + 3 < remaining && search && !byradius) {
      if (!ParseBox(ctx, base_args + i + 1, &shape)) return;
      shape.type = geo::ShapeType::kBox;
      bybox = true;
      i += 3;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }

  if (!storekey.empty() && (withdist || withhash || withcoords)) {
    ctx.out.Error(StrCat(flags & kGeoSearchStore ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS",
                         " is not compatible with WITHDIST, WITHHASH and WITHCOORD options"));
    return;
  }
  if (search && !(frommember || fromloc)) {
    ctx.out.Error(
        StrCat("exactly one of FROMMEMBER or FROMLONLAT can be specified for ", ctx.arg(0)));
    return;
  }
  if (search && !(byradius || bybox)) {
    ctx.out.Error(StrCat("exactly one of BYRADIUS and BYBOX can be specified for ", ctx.arg(0)));
    return;
  }
  if (any && count == 0) {
    ctx.out.Error("the ANY argument requires COUNT argument");
    return;
  }
  // Only the keys dispatch locked may be written: the key finder and this
  // parser agree on where STORE's key is, which this checks.
  const bool has_store = !storekey.empty() || (flags & kGeoSearchStore);
  if (has_store && !(flags & kGeoSearchStore)) {
    const size_t locked = GeoRadiusStoreIndex(ctx);
    if (locked == 0 || ctx.arg(locked).data() != storekey.data()) {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }

  const std::string_view event =
      search ? std::string_view("geosearchstore") : std::string_view("georadiusstore");
  if (entry == nullptr) {
    if (has_store) {
      StorePoints(ctx, storekey, {}, 0, storedist, 1, event);
    } else {
      ctx.out.Array(0);
    }
    return;
  }
  // COUNT without an order returns the nearest ones (not needed for ANY).
  if (count != 0 && sort == Sort::kNone && !any) sort = Sort::kAsc;

  const geo::SearchAreas areas = geo::AreasByShape(&shape);
  std::vector<GeoPoint> points;
  PointsOfAllBoxes(*entry, areas, shape, &points, any ? static_cast<size_t>(count) : 0);
  if (points.empty() && !has_store) {
    ctx.out.Array(0);
    return;
  }
  const size_t returned = count == 0 || points.size() < static_cast<size_t>(count)
                              ? points.size()
                              : static_cast<size_t>(count);
  if (sort != Sort::kNone) {
    const auto cmp = [&](const GeoPoint& a, const GeoPoint& b) {
      return sort == Sort::kAsc ? CompareDistAsc(a, b) : -CompareDistAsc(a, b);
    };
    if (returned == points.size()) {
      // Redis's qsort there is glibc's, a merge sort: stable, as this is.
      std::stable_sort(points.begin(), points.end(),
                       [&](const GeoPoint& a, const GeoPoint& b) { return cmp(a, b) < 0; });
    } else {
      PartialQuickSort(points.data(), points.size(), cmp, points.data(),
                       points.data() + returned - 1);
    }
  }
  if (has_store) {
    StorePoints(ctx, storekey, points, returned, storedist, shape.conversion, event);
    return;
  }
  const size_t options = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
  ctx.out.Array(returned);
  for (size_t i = 0; i < returned; ++i) {
    const GeoPoint& p = points[i];
    if (options != 0) ctx.out.Array(options + 1);
    ctx.out.Bulk(p.member);
    if (withdist) ReplyDistance(ctx, p.dist / shape.conversion);
    if (withhash) ctx.out.Integer(static_cast<int64_t>(p.score));
    if (withcoords) {
      ctx.out.Array(2);
      ReplyHumanDouble(ctx, p.longitude);
      ReplyHumanDouble(ctx, p.latitude);
    }
  }
}

void CmdGeoRadius(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusCoords); }
void CmdGeoRadiusByMember(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusMember); }
void CmdGeoRadiusRo(CommandContext& ctx) {
  GeoSearchGeneric(ctx, 1, kRadiusCoords | kRadiusNoStore);
}
void CmdGeoRadiusByMemberRo(CommandContext& ctx) {
  GeoSearchGeneric(ctx, 1, kRadiusMember | kRadiusNoStore);
}
void CmdGeoSearch(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kGeoSearch); }
void CmdGeoSearchStore(CommandContext& ctx) {
  GeoSearchGeneric(ctx, 2, kGeoSearch | kGeoSearchStore);
}

// GEORADIUS[BYMEMBER]'s keys: the source and a STORE/STOREDIST key.
void GeoRadiusKeys(const CommandContext& ctx, KeyList* keys) {
  keys->push_back({ctx.client.db, ctx.arg(1)});
  const size_t stored = GeoRadiusStoreIndex(ctx);
  if (stored != 0) keys->push_back({ctx.client.db, ctx.arg(stored)});
}

constexpr std::string_view kRadiusComplexity =
    "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area "
    "delimited by center and radius and M is the number of items inside the index.";

}  // namespace

void RegisterGeoFamily(CommandTable* table) {
  table->Register({"geoadd", -5, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1, CmdGeoAdd, "geo",
                   "Add one or more geospatial items in the geospatial index represented using a "
                   "sorted set",
                   "3.2.0", "@write @geo @slow", "RW update",
                   "O(log(N)) for each item added, where N is the number of elements in the "
                   "sorted set."});
  table->Register({"geodist", -4, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdGeoDist, "geo",
                   "Returns the distance between two members of a geospatial index", "3.2.0",
                   "@read @geo @slow", "RO access", "O(log(N))"});
  table->Register({"geohash", -2, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdGeoHash, "geo",
                   "Returns members of a geospatial index as standard geohash strings", "3.2.0",
                   "@read @geo @slow", "RO access",
                   "O(log(N)) for each member requested, where N is the number of elements in "
                   "the sorted set."});
  table->Register({"geopos", -2, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdGeoPos, "geo",
                   "Returns longitude and latitude of members of a geospatial index", "3.2.0",
                   "@read @geo @slow", "RO access",
                   "O(N) where N is the number of members requested."});
  table->Register({"georadius",
                   -6,
                   kCmdWrite | kCmdDenyOom | kCmdLocksKeys,
                   1,
                   1,
                   1,
                   CmdGeoRadius,
                   "geo",
                   "Query a sorted set representing a geospatial index to fetch members matching "
                   "a given maximum distance from a point",
                   "3.2.0",
                   "@write @geo @slow",
                   "RO access",
                   kRadiusComplexity,
                   {},
                   GeoRadiusKeys});
  table->Register({"georadius_ro", -6, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdGeoRadiusRo, "geo",
                   "A read-only variant for GEORADIUS", "3.2.10", "@read @geo @slow", "RO access",
                   kRadiusComplexity});
  table->Register({"georadiusbymember",
                   -5,
                   kCmdWrite | kCmdDenyOom | kCmdLocksKeys,
                   1,
                   1,
                   1,
                   CmdGeoRadiusByMember,
                   "geo",
                   "Query a sorted set representing a geospatial index to fetch members matching "
                   "a given maximum distance from a member",
                   "3.2.0",
                   "@write @geo @slow",
                   "RO access",
                   "O(N+log(M)) where N is the number of elements inside the bounding box of the "
                   "circular area delimited by center and radius and M is the number of items "
                   "inside the index.",
                   {},
                   GeoRadiusKeys});
  table->Register({"georadiusbymember_ro", -5, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1,
                   CmdGeoRadiusByMemberRo, "geo", "A read-only variant for GEORADIUSBYMEMBER",
                   "3.2.10", "@read @geo @slow", "RO access",
                   "O(N+log(M)) where N is the number of elements inside the bounding box of the "
                   "circular area delimited by center and radius and M is the number of items "
                   "inside the index."});
  table->Register({"geosearch", -7, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdGeoSearch, "geo",
                   "Query a sorted set representing a geospatial index to fetch members inside "
                   "an area of a box or a circle.",
                   "6.2.0", "@read @geo @slow", "RO access",
                   "O(N+log(M)) where N is the number of elements in the grid-aligned bounding "
                   "box area around the shape provided as the filter and M is the number of "
                   "items inside the shape"});
  table->Register({"geosearchstore", -8, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 2, 1,
                   CmdGeoSearchStore, "geo",
                   "Query a sorted set representing a geospatial index to fetch members inside "
                   "an area of a box or a circle, and store the result in another key.",
                   "6.2.0", "@write @geo @slow", "OW update",
                   "O(N+log(M)) where N is the number of elements in the grid-aligned bounding "
                   "box area around the shape provided as the filter and M is the number of "
                   "items inside the shape"});
}

}  // namespace valkdb
