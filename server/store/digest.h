#pragma once

// The dataset and value digests of Redis 7.0's DEBUG DIGEST and
// DEBUG DIGEST-VALUE (src/debug.c: xorDigest, mixDigest, xorObjectDigest,
// computeDatasetDigest), bit for bit. Pure functions over bytes: the caller
// walks its own structures and feeds the elements in.
//
// The algorithm, with SHA1 the standard 20-byte hash:
//   xor(d, bytes): d ^= SHA1(bytes)              order-free ("add" to a set)
//   mix(d, bytes): d = SHA1(d ^ SHA1(bytes))     order-preserving
//   u32be(n):      n as 4 big-endian bytes (Redis's htonl(n))
//
// One value, continuing from a digest d (xorObjectDigest):
//   mix(d, u32be(type))   type: string 0, list 1, set 2, zset 3, hash 4, stream 6
//   string: mix(d, value)
//   list:   mix(d, element) for each element, head to tail
//   set:    xor(d, member) for each member
//   hash:   for each pair: e = 0; mix(e, field); mix(e, value); xor(d, e)
//   zset:   for each member: e = 0; mix(e, member); mix(e, "%.17g" of score); xor(d, e)
//   stream: for each entry in ID order: mix(d, "<ms>.<seq>") (a dot, not Redis's
//           usual dash), then mix(d, field); mix(d, value) for each pair
//   (xor(d, e) hashes the 20 bytes of e: d ^= SHA1(e), not d ^= e.)
//   then, if the key has an expire: xor(d, "!!expire!!") -- only whether the key
//   has one counts; the expire time itself is not digested.
// Integers are digested as their decimal text, so Redis's int/intset/listpack
// integer encodings do not change a digest.
//
// DEBUG DIGEST-VALUE key: d = 0, then the value as above (the key itself is not
// mixed in; the expire flag is). A missing key gives all zeros. Redis looks the
// key up without expiring it, and DEBUG DIGEST walks the keyspace likewise, so
// both include logically expired keys that are still stored.
//
// DEBUG DIGEST (computeDatasetDigest): final = 0; for each db in increasing id
// order that has at least one key: mix(final, u32be(db id)); then for each key
// of that db: d = 0; mix(d, key); the value as above continuing from d;
// xor(final, d), i.e. final ^= SHA1(d). An empty dataset gives all zeros.
//
// Because the key is mixed in before the value, a key's contribution to DEBUG
// DIGEST cannot be built from its DIGEST-VALUE: DatasetDigest takes the value as
// a callback (ValueMixer) that mixes it into a digest it is given.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace valkdb {

using Digest = std::array<uint8_t, 20>;  // all zero = "no keys" / missing key

// SHA1 of bytes.
Digest Sha1(std::string_view bytes);
// Redis xorDigest: *d ^= SHA1(bytes).
void XorDigest(Digest* d, std::string_view bytes);
// Redis mixDigest: *d = SHA1(*d ^ SHA1(bytes)).
void MixDigest(Digest* d, std::string_view bytes);
// 40 lowercase hex characters, as DEBUG DIGEST replies.
std::string DigestHex(const Digest& d);

// Visitors the caller implements: call the emit function once per element.
using ForEachString = absl::FunctionRef<void(absl::FunctionRef<void(std::string_view)>)>;
using ForEachPair = absl::FunctionRef<void(
    absl::FunctionRef<void(std::string_view field, std::string_view value)>)>;
using ForEachScored =
    absl::FunctionRef<void(absl::FunctionRef<void(std::string_view member, double score)>)>;
using ForEachStreamEntry = absl::FunctionRef<void(
    absl::FunctionRef<void(uint64_t ms, uint64_t seq,
                           std::span<const std::string_view> fields_and_values)>)>;

// Mixes one value into *d as xorObjectDigest does (type tag, then contents),
// without the expire flag. Lists must be visited head to tail; sets, hashes
// and sorted sets in any order.
void MixStringValue(Digest* d, std::string_view value);
void MixListValue(Digest* d, ForEachString for_each_element);
void MixSetValue(Digest* d, ForEachString for_each_member);
void MixHashValue(Digest* d, ForEachPair for_each_pair);
// Scores are digested as printf("%.17g") text ("inf", "-inf", "-0" for -0.0).
// Note: Redis 7.0 turns a -0 score into 0 when the sorted set is
// listpack-encoded (small) but keeps -0 in a skiplist-encoded one; pass the
// score as the store holds it.
void MixZSetValue(Digest* d, ForEachScored for_each_member);
// Entries in ID order, each with its fields and values as field, value, ...
void MixStreamValue(Digest* d, ForEachStreamEntry for_each_entry);
// xor(d, "!!expire!!"): the last step for a key that has an expire time.
void MixExpireFlag(Digest* d);

// One of the Mix*Value calls above bound to a value, e.g.
//   [&](Digest* d) { MixStringValue(d, value); }
using ValueMixer = absl::FunctionRef<void(Digest*)>;

// DEBUG DIGEST-VALUE of an existing key: zero, the value, the expire flag.
Digest ValueDigest(ValueMixer mix_value, bool has_expire);

// DEBUG DIGEST-VALUE of a key without an expire time, by type.
Digest StringValueDigest(std::string_view value);
Digest ListValueDigest(ForEachString for_each_element);
Digest SetValueDigest(ForEachString for_each_member);
Digest HashValueDigest(ForEachPair for_each_pair);
Digest ZSetValueDigest(ForEachScored for_each_member);

// One key's contribution to DEBUG DIGEST (before its db framing): zero,
// mix(key), the value, the expire flag. AddKeyDigest xors SHA1 of it into the
// total, so contributions of one db's keys can be computed apart (e.g. per
// shard) and added in any order.
Digest KeyDigest(std::string_view key, ValueMixer mix_value, bool has_expire);

// DEBUG DIGEST, built a db at a time:
//   DatasetDigest dd;
//   for each db id in increasing order with at least one key:
//     dd.BeginDb(id);
//     for each key: dd.AddKey(key, mixer, has_expire);
//   DigestHex(dd.result())
// Keys within a db may come in any order; dbs must come in increasing id
// order, and BeginDb must not be called for an empty db.
class DatasetDigest {
 public:
  void BeginDb(int db);
  void AddKey(std::string_view key, ValueMixer mix_value, bool has_expire) {
    AddKeyDigest(KeyDigest(key, mix_value, has_expire));
  }
  void AddKeyDigest(const Digest& key_digest);
  const Digest& result() const { return digest_; }

 private:
  Digest digest_{};
};

}  // namespace valkdb
