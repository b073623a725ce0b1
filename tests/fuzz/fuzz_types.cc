// libFuzzer target: the data structures of server/store/types.
//
// The input is used three ways:
//   - as a packed list: Valid, Reader, Count, Find and At never read outside
//     the bytes and agree with one another; a valid list of pairs spliced
//     stays valid;
//   - as an intset: when Valid says so, Get is strictly ascending, Contains
//     finds every member, Add and Remove (of values taken from the input)
//     keep it valid and agree with a std::set; ParseMember of the input's
//     first bytes accepts exactly the canonical decimal texts of an int64;
//   - as a program for a PackedTable, checked against a std::map: inserts,
//     replacements, erases (one at a time and in bursts that grow or shrink
//     the table several times over), lookups, random picks, clones, and
//     scans that run across all of it: every record present for a whole
//     scan must have been returned by it;
//   - as a program for a QuickList, checked against a std::deque;
//   - as a small sorted set's bytes (Decode, Count and Find never read outside
//     them and agree), and as a program of member/score updates whose
//     encoding must decode back to a std::map model, in order, scores exact;
//   - as the body of a sparse HyperLogLog (the first byte picks the limit on
//     its size): counting, merging, decoding and converting it never read
//     outside it and agree on whether it is corrupt; registers set in it
//     (indexes and values from the input) read back, and keep a valid value
//     valid, sparse or promoted to dense.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/types/hyperloglog.h"
#include "server/store/types/intset.h"
#include "server/store/types/packed.h"
#include "server/store/types/packed_table.h"
#include "server/store/types/quicklist.h"
#include "server/store/types/small_zset.h"
#include "tests/fuzz/fuzz_common.h"

namespace valkdb::fuzz {
namespace {

void CheckPacked(std::string_view bytes) {
  packed::Reader reader(bytes);
  std::string_view element;
  std::vector<std::string_view> elements;
  size_t last_offset = 0;
  while (reader.Next(&element)) {
    FUZZ_CHECK(element.data() >= bytes.data() &&
               element.data() + element.size() <= bytes.data() + bytes.size());
    FUZZ_CHECK(reader.offset() > last_offset, "each element takes at least its length byte");
    FUZZ_CHECK(reader.offset() ==
               static_cast<size_t>(element.data() + element.size() - bytes.data()));
    last_offset = reader.offset();
    elements.push_back(element);
  }
  FUZZ_CHECK(packed::Count(bytes) == elements.size());
  const bool whole = reader.at_end();
  FUZZ_CHECK(packed::Valid(bytes, 1) == whole);
  FUZZ_CHECK(packed::Valid(bytes, 2) == (whole && elements.size() % 2 == 0));
  FUZZ_CHECK(!packed::Valid(bytes, 0));

  for (int stride : {1, 2}) {
    const size_t records = elements.size() / static_cast<size_t>(stride);
    packed::Record record;
    for (size_t i = 0; i < records && i < 64; ++i) {
      FUZZ_CHECK(packed::At(bytes, i, stride, &record));
      FUZZ_CHECK(record.first == elements[i * stride]);
      if (stride == 2) FUZZ_CHECK(record.second == elements[i * 2 + 1]);
      FUZZ_CHECK(record.offset + record.size <= bytes.size());
      packed::Record found;
      FUZZ_CHECK(packed::Find(bytes, record.first, stride, &found));
      FUZZ_CHECK(found.offset <= record.offset && found.first == record.first);
    }
    FUZZ_CHECK(!packed::At(bytes, records, stride, &record));
    if (!packed::Valid(bytes, stride) || records == 0) continue;
    // Replace the first record, then remove it: still whole records.
    FUZZ_CHECK(packed::At(bytes, 0, stride, &record));
    const std::string_view first = "replaced", second = elements.front();
    std::string out, again;
    packed::Splice(bytes, record.offset, record.size, &first, stride == 2 ? &second : nullptr,
                   &out);
    FUZZ_CHECK(packed::Valid(out, stride));
    FUZZ_CHECK(packed::Count(out) == elements.size());
    packed::Splice(out, 0,
                   packed::EncodedSize(first) + (stride == 2 ? packed::EncodedSize(second) : 0),
                   nullptr, nullptr, &again);
    FUZZ_CHECK(packed::Valid(again, stride));
    FUZZ_CHECK(packed::Count(again) == elements.size() - static_cast<size_t>(stride));
  }
}

// Eight bytes of the input from `at` (wrapping), as a value to add or remove;
// mostly small so that some of them are members.
int64_t ValueAt(std::string_view input, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<uint8_t>(input[(at + i) % input.size()]);
  switch (v % 4) {
    case 0:
      return static_cast<int64_t>(v);
    case 1:
      return static_cast<int64_t>(v >> 40) - (int64_t{1} << 23);
    default:
      return static_cast<int64_t>((v >> 8) % 64) - 32;
  }
}

void CheckIntset(std::string_view bytes) {
  if (!intset::Valid(bytes)) return;
  std::set<int64_t> model;
  const size_t count = intset::Count(bytes);
  for (size_t i = 0; i < count; ++i) {
    const int64_t v = intset::Get(bytes, i);
    if (i > 0) FUZZ_CHECK(intset::Get(bytes, i - 1) < v, "valid sets ascend");
    FUZZ_CHECK(intset::Contains(bytes, v));
    model.insert(v);
  }
  std::string set(bytes), out;
  for (size_t step = 0; step < 32 && !bytes.empty(); ++step) {
    const int64_t v = ValueAt(bytes, step * 3);
    out = "untouched";
    if (step % 3 == 2) {
      const bool removed = intset::Remove(set, v, &out);
      FUZZ_CHECK(removed == (model.erase(v) == 1));
      if (!removed) FUZZ_CHECK(out == "untouched");
    } else {
      const bool added = intset::Add(set, v, &out);
      FUZZ_CHECK(added == model.insert(v).second);
      if (!added) FUZZ_CHECK(out == "untouched");
    }
    if (out != "untouched") set.swap(out);
    FUZZ_CHECK(intset::Valid(set));
    FUZZ_CHECK(intset::Count(set) == model.size());
    FUZZ_CHECK(intset::Contains(set, v) == (model.count(v) == 1));
  }
  size_t i = 0;
  for (int64_t v : model) FUZZ_CHECK(intset::Get(set, i++) == v);
}

void CheckParseMember(std::string_view input) {
  const std::string_view text = input.substr(0, std::min<size_t>(input.size(), 24));
  const std::optional<int64_t> parsed = intset::ParseMember(text);
  int64_t v = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
  const bool canonical =
      error == std::errc() && end == text.data() + text.size() && std::to_string(v) == text;
  FUZZ_CHECK(parsed.has_value() == canonical, Printable(text));
  if (parsed) FUZZ_CHECK(*parsed == v);
}

// Reads the input a byte at a time, zero once it runs out.
class Program {
 public:
  explicit Program(std::string_view input) : input_(input) {}
  bool done() const { return at_ >= input_.size(); }
  uint8_t Byte() { return done() ? 0 : static_cast<uint8_t>(input_[at_++]); }
  std::string_view Bytes(size_t n) {
    n = std::min(n, input_.size() - std::min(at_, input_.size()));
    std::string_view out = input_.substr(std::min(at_, input_.size()), n);
    at_ += n;
    return out;
  }

 private:
  std::string_view input_;
  size_t at_ = 0;
};

std::string KeyFor(uint8_t selector) {
  // A few dozen short keys, collisions between runs of ops wanted.
  std::string key = "k" + std::to_string(selector % 48);
  if (selector >= 240) key.clear();  // the empty key
  return key;
}

struct Scan {
  bool running = false;
  uint64_t cursor = 0;
  std::set<std::string> present_throughout;
  std::set<std::string> seen;
};

void CheckTable(std::string_view input) {
  if (input.empty()) return;
  Program program(input);
  const int arity = (program.Byte() & 1) + 1;
  PackedTable table(arity);
  std::map<std::string, std::string> model;
  Scan scan;
  uint64_t rng = HashBytes(input) | 1;
  uint64_t bulk_serial = 0;
  constexpr size_t kMaxRecords = 2000;
  size_t bulk_budget = 8000;  // records inserted or erased in bursts, per input

  auto erase = [&](const std::string& key) {
    const bool erased = table.Erase(key);
    FUZZ_CHECK(erased == (model.erase(key) == 1), key);
    scan.present_throughout.erase(key);
  };
  auto insert = [&](const std::string& key, std::string_view value) {
    const bool is_new = !model.contains(key);
    FUZZ_CHECK(table.Insert(key, value) == is_new, key);
    // A set ignores values; a hash replaces them.
    model[key] = arity == 2 ? std::string(value) : key;
  };

  for (int ops = 0; !program.done() && ops < 4096; ++ops) {
    const uint8_t op = program.Byte();
    switch (op % 10) {
      case 0:
      case 1:
      case 2: {  // insert or replace
        const std::string key = KeyFor(program.Byte());
        const size_t length = program.Byte() % 48;
        std::string value(program.Bytes(length));
        insert(key, value);
        break;
      }
      case 3:  // erase
        erase(KeyFor(program.Byte()));
        break;
      case 4: {  // a burst of inserts: the table doubles, maybe several times
        const size_t n = std::min<size_t>(
            {program.Byte() * size_t{4},
             model.size() >= kMaxRecords ? 0 : kMaxRecords - model.size(), bulk_budget});
        bulk_budget -= n;
        for (size_t i = 0; i < n; ++i) insert("bulk" + std::to_string(bulk_serial++), "v");
        break;
      }
      case 5: {  // a burst of erases: the table halves, maybe several times
        size_t n = std::min<size_t>(program.Byte() * size_t{4}, bulk_budget);
        bulk_budget -= n;
        for (auto it = model.lower_bound("bulk");
             n > 0 && it != model.end() && it->first.compare(0, 4, "bulk") == 0; --n) {
          const std::string key = (it++)->first;
          erase(key);
        }
        break;
      }
      case 6: {  // lookups
        const std::string key = KeyFor(program.Byte());
        std::string_view value;
        auto it = model.find(key);
        FUZZ_CHECK(table.Find(key, &value) == (it != model.end()), key);
        if (it != model.end()) FUZZ_CHECK(value == it->second, key);
        FUZZ_CHECK(table.Contains(key) == (it != model.end()), key);
        break;
      }
      case 7: {  // a step (or a few) of the running scan
        if (!scan.running) {
          scan = Scan();
          scan.running = true;
          for (const auto& [key, value] : model) scan.present_throughout.insert(key);
        }
        for (int steps = program.Byte() % 8 + 1; steps > 0 && scan.running; --steps) {
          scan.cursor = table.Scan(scan.cursor, [&](std::string_view key, std::string_view value) {
            auto it = model.find(std::string(key));
            FUZZ_CHECK(it != model.end(), "scanned a record that is not there");
            FUZZ_CHECK(value == (arity == 2 ? std::string_view(it->second) : std::string_view()));
            scan.seen.emplace(key);
          });
          if (scan.cursor == 0) {
            for (const std::string& key : scan.present_throughout) {
              FUZZ_CHECK(scan.seen.contains(key), key);  // present for the whole scan
            }
            scan.running = false;
          }
        }
        break;
      }
      case 8:  // random picks
        for (int picks = program.Byte() % 4; picks > 0 && !model.empty(); --picks) {
          const auto [key, value] = table.Random(&rng);
          auto it = model.find(std::string(key));
          FUZZ_CHECK(it != model.end(), "picked a record that is not there");
          if (arity == 2) FUZZ_CHECK(value == it->second);
        }
        break;
      case 9:  // rarely: clone and swap in the copy, or clear
        if (op == 9) {
          PackedTable copy = table.Clone();
          table.Clear();
          FUZZ_CHECK(table.empty() && table.MemoryUsage() == 0);
          table = std::move(copy);
        } else if (op == 249) {
          table.Clear();
          for (const auto& [key, value] : model) scan.present_throughout.erase(key);
          model.clear();
        }
        break;
    }
    FUZZ_CHECK(table.size() == model.size());
    FUZZ_CHECK(table.empty() == model.empty());
  }
  FUZZ_CHECK((table.MemoryUsage() == 0) == model.empty(), "an empty table holds no memory");

  size_t visited = 0;
  table.ForEach([&](std::string_view key, std::string_view value) {
    ++visited;
    auto it = model.find(std::string(key));
    FUZZ_CHECK(it != model.end());
    if (arity == 2) FUZZ_CHECK(value == it->second);
  });
  FUZZ_CHECK(visited == model.size());
}

}  // namespace
}  // namespace valkdb::fuzz

namespace valkdb::fuzz {
namespace {

// The input as a program for a QuickList with a small node limit (so nodes
// split, empty and vanish often) and a compress depth of 0, 1 or 2 (so inner
// nodes are compressed and rewritten), checked against a std::deque after every
// step: pushes and pops at both ends, inserts, replaces and erases at an
// index, trims, and walks in both directions.
void CheckQuickList(std::string_view input) {
  if (input.empty()) return;
  Program program(input);
  const int64_t fills[] = {-1, 1, 2, 3, 5};
  const uint8_t shape = program.Byte();
  QuickList list(fills[shape % 5], (shape / 5) % 3);
  std::deque<std::string> model;
  for (int ops = 0; !program.done() && ops < 2048; ++ops) {
    const uint8_t op = program.Byte();
    const size_t length = program.Byte() % 40;
    const std::string element(program.Bytes(length));
    const size_t index = model.empty() ? 0 : program.Byte() % model.size();
    switch (op % 9) {
      case 0:
        list.PushBack(element);
        model.push_back(element);
        break;
      case 1:
        list.PushFront(element);
        model.push_front(element);
        break;
      case 2:
        if (model.empty()) break;
        FUZZ_CHECK(list.Front() == model.front());
        list.PopFront();
        model.pop_front();
        break;
      case 3:
        if (model.empty()) break;
        FUZZ_CHECK(list.Back() == model.back());
        list.PopBack();
        model.pop_back();
        break;
      case 4:
        if (model.empty()) break;
        list.Insert(list.Locate(index), op & 0x10, element);
        model.insert(model.begin() + static_cast<ptrdiff_t>(index + ((op & 0x10) ? 1 : 0)),
                     element);
        break;
      case 5:
        if (model.empty()) break;
        list.Replace(list.Locate(index), element);
        model[index] = element;
        break;
      case 6: {
        if (model.empty()) break;
        QuickList::Position position = list.Locate(index);
        const bool forward = op & 0x10;
        const bool more = list.Erase(&position, forward);
        model.erase(model.begin() + static_cast<ptrdiff_t>(index));
        FUZZ_CHECK(more == (forward ? index < model.size() : index > 0));
        if (more) FUZZ_CHECK(list.At(position) == model[forward ? index : index - 1]);
        break;
      }
      case 7: {
        const size_t front = program.Byte() % 4, back = program.Byte() % 4;
        list.Trim(front, back);
        if (front + back >= model.size()) {
          model.clear();
        } else {
          model.erase(model.begin(), model.begin() + static_cast<ptrdiff_t>(front));
          model.erase(model.end() - static_cast<ptrdiff_t>(back), model.end());
        }
        break;
      }
      default:
        if (model.empty()) break;
        FUZZ_CHECK(list.At(list.Locate(index)) == model[index]);
        break;
    }
    FUZZ_CHECK(list.size() == model.size());
  }
  size_t i = 0;
  list.ForEachFrom(0, false, [&](std::string_view e) {
    FUZZ_CHECK(i < model.size() && e == model[i]);
    ++i;
    return true;
  });
  FUZZ_CHECK(i == model.size());
  if (!model.empty()) {
    size_t back = model.size();
    list.ForEachFrom(model.size() - 1, true, [&](std::string_view e) {
      FUZZ_CHECK(back > 0 && e == model[back - 1]);
      --back;
      return true;
    });
    FUZZ_CHECK(back == 0);
  }
}

}  // namespace
}  // namespace valkdb::fuzz

namespace valkdb::fuzz {
namespace {

void CheckSmallZSet(std::string_view input) {
  // The input as stored bytes: nothing trusted.
  std::vector<small_zset::Record> records;
  if (small_zset::Decode(input, &records)) {
    FUZZ_CHECK(small_zset::Count(input) == records.size());
    for (const small_zset::Record& r : records) {
      double score = 0;
      FUZZ_CHECK(small_zset::Find(input, r.member, &score));
    }
  }
  // The input as a program: set or remove members, re-encode, compare.
  if (input.empty()) return;
  Program program(input);
  std::map<std::string, double> model;
  std::string bytes;
  for (int ops = 0; !program.done() && ops < 256; ++ops) {
    const uint8_t op = program.Byte();
    const std::string member(program.Bytes(program.Byte() % 12));
    if (op % 4 == 0) {
      model.erase(member);
    } else {
      double score = 0;
      if (op & 0x10) {
        const std::string raw(program.Bytes(8));
        if (raw.size() == 8) std::memcpy(&score, raw.data(), 8);
        if (std::isnan(score)) score = 0;
      } else {
        score = static_cast<double>(static_cast<int8_t>(program.Byte())) *
                static_cast<double>(uint64_t{1} << (program.Byte() % 60));
      }
      model[member] = score;
    }
    std::vector<small_zset::Record> ordered;
    for (const auto& [m, sc] : model) ordered.push_back({m, sc});
    std::sort(ordered.begin(), ordered.end(), small_zset::Less);
    small_zset::Encode(ordered, &bytes);
    std::vector<small_zset::Record> back;
    FUZZ_CHECK(small_zset::Decode(bytes, &back));
    FUZZ_CHECK(back.size() == ordered.size());
    for (size_t i = 0; i < back.size(); ++i) {
      FUZZ_CHECK(back[i].member == ordered[i].member);
      FUZZ_CHECK(back[i].score == ordered[i].score);
      if (back[i].score != 0) {
        FUZZ_CHECK(std::signbit(back[i].score) == std::signbit(ordered[i].score));
      }
      if (i > 0) FUZZ_CHECK(!small_zset::Less(back[i], back[i - 1]));
    }
  }
}

}  // namespace
}  // namespace valkdb::fuzz

namespace valkdb::fuzz {
namespace {

void CheckHll(std::string_view input) {
  if (input.empty()) return;
  const size_t max_bytes = static_cast<uint8_t>(input[0]) * 16;
  std::string value =
      std::string("HYLL\x01", 5) + std::string(11, '\0') + std::string(input.substr(1));
  FUZZ_CHECK(hll::IsValid(value));
  bool invalid = false;
  const uint64_t card = hll::Count(value, &invalid);
  std::vector<uint8_t> max(hll::kRegisters, 0);
  const bool merged = hll::Merge(value, max.data());
  FUZZ_CHECK(merged == !invalid);
  if (!invalid) FUZZ_CHECK(hll::CountRaw(max.data()) == card);
  hll::DecodeSparse(value);
  std::string dense = value;
  FUZZ_CHECK(hll::SparseToDense(&dense) == !invalid);
  FUZZ_CHECK(dense.size() == (invalid ? value.size() : hll::kDenseSize));
  // A body ending in half an XZERO is read as if a 0 followed (Redis reads its
  // sds's NUL); an edit of that XZERO then drops a byte, as in Redis, and the
  // value may turn corrupt. Only whole bodies must stay valid.
  size_t at = hll::kHeaderSize;
  while (at < value.size()) at += (static_cast<uint8_t>(value[at]) & 0xc0) == 0x40 ? 2 : 1;
  const bool whole = at == value.size();
  // Registers set through the input: (index, count) pairs.
  for (size_t i = 1; i + 2 < input.size() && i < 64; i += 3) {
    const size_t index =
        (static_cast<uint8_t>(input[i]) << 8 | static_cast<uint8_t>(input[i + 1])) %
        hll::kRegisters;
    const auto count = static_cast<uint8_t>(1 + static_cast<uint8_t>(input[i + 2]) % 51);
    const hll::SetResult result = hll::Set(&value, index, count, max_bytes);
    FUZZ_CHECK(hll::IsValid(value));
    if (invalid || !whole) continue;
    FUZZ_CHECK(result != hll::SetResult::kCorrupt);
    std::vector<uint8_t> after(hll::kRegisters, 0);
    FUZZ_CHECK(hll::Merge(value, after.data()));
    FUZZ_CHECK(after[index] == std::max(max[index], count));
    max[index] = after[index];
    FUZZ_CHECK(std::equal(max.begin(), max.end(), after.begin()));
  }
}

}  // namespace
}  // namespace valkdb::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  valkdb::fuzz::CheckPacked(input);
  valkdb::fuzz::CheckIntset(input);
  valkdb::fuzz::CheckParseMember(input);
  valkdb::fuzz::CheckTable(input);
  valkdb::fuzz::CheckQuickList(input);
  valkdb::fuzz::CheckSmallZSet(input);
  valkdb::fuzz::CheckHll(input);
  return 0;
}
