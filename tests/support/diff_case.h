#pragma once

// The differential-test harness: the same commands go to valkdb and to a real
// redis-server 7.0 (RESP2, and again after HELLO 3), and the raw replies must
// be byte-identical, except where a Compare mode says what legitimately
// differs (the iteration order of hash tables). Each family's diff test
// (tests/compat/*_diff_test.cc) lists its cases; RunCase turns a case into a
// transcript, and two transcripts are compared with SameTranscriptsUpToClock.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/resp_client.h"

namespace valkdb::test {

enum class Compare {
  kExact,
  kUnorderedPairs,  // a map (or RESP2 flat array of pairs) in any pair order
  kSortedArray,     // an array or set in any element order
};

enum class Scan { kNone, kKeys, kMembers, kPairs };

struct Step {
  std::vector<std::string> args;
  Compare compare = Compare::kExact;
  // Run the SCAN-family command to completion: SCAN <cursor> <options>, or
  // SSCAN/HSCAN <key> <cursor> <options>, until the cursor is 0.
  Scan scan = Scan::kNone;
};

struct DiffCase {
  std::string name;
  std::vector<Step> steps;
  bool resp3 = false;
};

void PrintTo(const DiffCase& c, std::ostream* os);

// A command from space-separated words.
Step C(std::string_view words, Compare compare = Compare::kExact);
// A command from explicit arguments (spaces, binary data, empty strings).
Step Args(std::vector<std::string> args, Compare compare = Compare::kExact);
// A reply whose element order is the hash table's (sets, hashtable hashes).
Step Sorted(std::string_view words);
Step Pairs(std::string_view words);
// SCAN/SSCAN/HSCAN to completion, the cursor left out of `words`.
Step ScanAll(std::string_view words);

// "prefix0 value0 prefix1 value1 ..." arguments after `head`.
std::vector<std::string> WithPairs(std::vector<std::string> head, const std::string& field_prefix,
                                   const std::string& value_prefix, int first, int count);
// "prefix0 prefix1 ..." arguments after `head`.
std::vector<std::string> WithMembers(std::vector<std::string> head, const std::string& prefix,
                                     int first, int count);

// What one server answered to a case, as readable text. The settings cases
// change (encoding limits) are put back to their defaults afterwards.
std::string RunCase(int port, const DiffCase& c);

// Every case twice: as given (RESP2), and in RESP3 after HELLO 3.
std::vector<DiffCase> WithResp3(std::vector<DiffCase> cases);

}  // namespace valkdb::test
