// Differential tests of Lua scripting against a real redis-server 7.0, RESP2
// and RESP3, byte for byte (tests/support/diff_case.h): EVAL's conversions of
// every Lua type (and back, for redis.call's replies, after redis.setresp(3)),
// redis.call against redis.pcall errors with their script/line suffixes,
// KEYS and ARGV, EVALSHA and the SCRIPT commands, EVAL_RO and shebang flags,
// the redis, cjson, bit and math libraries, the writes scripts make (GET,
// DEBUG DIGEST-VALUE), and functions: FUNCTION LOAD's errors, FCALL and
// FCALL_RO, FUNCTION LIST, DELETE, FLUSH, STATS, and FUNCTION DUMP payloads,
// which must be byte-identical and restore on either server with every
// policy. Then what a replica is sent for scripts and functions.
//
// Every case starts with SCRIPT FLUSH and FUNCTION FLUSH (FLUSHALL keeps
// both). Lua tables with several string keys, Redis's function and library
// dictionaries are in hash order: those replies are compared sorted.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/diff_case.h"
#include "tests/support/server_fixture.h"
#include "tests/support/server_process.h"
#include "tests/support/transcript.h"

namespace valkdb::test {
namespace {

using Strings = std::vector<std::string>;

// <command> body numkeys keys... args...
Step Script(const std::string& command, const std::string& body, const Strings& keys = {},
            const Strings& argv = {}, Compare compare = Compare::kExact) {
  Strings args = {command, body, StrCat(keys.size())};
  args.insert(args.end(), keys.begin(), keys.end());
  args.insert(args.end(), argv.begin(), argv.end());
  return Args(std::move(args), compare);
}
Step Eval(const std::string& body, const Strings& keys = {}, const Strings& argv = {}) {
  return Script("EVAL", body, keys, argv);
}
Step EvalRo(const std::string& body, const Strings& keys = {}, const Strings& argv = {}) {
  return Script("EVAL_RO", body, keys, argv);
}
Step Load(const std::string& code) { return Args({"FUNCTION", "LOAD", code}); }
Step LoadReplace(const std::string& code) { return Args({"FUNCTION", "LOAD", "REPLACE", code}); }
Step Fcall(const std::string& name, const Strings& keys = {}, const Strings& argv = {}) {
  return Script("FCALL", name, keys, argv);
}
Step FcallRo(const std::string& name, const Strings& keys = {}, const Strings& argv = {}) {
  return Script("FCALL_RO", name, keys, argv);
}

// A case that starts with no scripts and no functions.
DiffCase Case(std::string name, std::vector<Step> steps) {
  std::vector<Step> all = {C("SCRIPT FLUSH"), C("FUNCTION FLUSH")};
  all.insert(all.end(), steps.begin(), steps.end());
  return DiffCase{std::move(name), std::move(all)};
}

// SHA1 of the script bodies EVALSHA runs.
const char* kShaLoaded = "b534286061d4b9e4026607613b95c06c06015ae8";  // return 'loaded'
const char* kShaCached = "14a0ec5969ac10dc856a79479466fd953463f052";  // return 'cached by eval'
// return redis.call('set', KEYS[1], ARGV[1])
const char* kShaSetter = "55b22c0d0cedf3866879ce7c854970626dcef0c3";
// #!lua flags=no-writes\nreturn redis.call('get', KEYS[1])
const char* kShaNoWritesGet = "8822dee64c14b51d475f4b45eb44843318ccc8e1";

const char* kMyLib =
    "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] "
    "end)";
const char* kDumpLib =
    "#!lua name=dumplib\nredis.register_function('dumped', function(keys, args) return "
    "'restored' end)";
const char* kDumpLib2 =
    "#!lua name=dumplib2\nredis.register_function{function_name='dumped2', "
    "callback=function(keys, args) return #keys end, flags={'no-writes'}, "
    "description='second'}";

// FUNCTION DUMP of kDumpLib alone by redis-server 7.0.15: the function
// opcode (245), the code as an RDB string (not compressed: LZF would not
// save enough), RDB version 10 and the CRC64 of all that, little-endian.
std::string DumpLibPayload(uint8_t version = 10,
                           std::string crc = "\x92\xb7\x47\x6b\x6f\x2f\x78\xd8",
                           char opcode = '\xf5') {
  std::string payload = {opcode, '\x40', '\x60'};
  payload += kDumpLib;
  payload.push_back(static_cast<char>(version));
  payload.push_back('\0');
  return payload + crc;
}

// A string of `n` letters that LZF cannot shorten much.
std::string NoiseLetters(size_t n) {
  std::string out;
  uint32_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    out.push_back(static_cast<char>('a' + (x >> 16) % 26));
  }
  return out;
}

// Which errors scripts count in INFO errorstats, after each script: an error
// a command gives inside a script counts once, whether the script raises
// it, returns it or drops it; an error the script makes itself (a table, a
// Lua error) counts when it is the script's reply.
std::vector<Step> ErrorStatsSteps() {
  const std::vector<Step> scripts = {
      Eval("return redis.call('nosuch')"),
      Eval("return redis.pcall('nosuch')"),
      Eval("return redis.call('incr', KEYS[1])", {"str"}),
      Eval("return redis.pcall('incr', KEYS[1])", {"str"}),
      Eval("local r = redis.pcall('incr', KEYS[1]) return 'swallowed'", {"str"}),
      Eval("return {err = 'MYCODE from a table'}"),
      Eval("return redis.error_reply('OTHER code')"),
      Eval("error('raised')"),
      Eval("error({err = 'RAISED from a table'})"),
      Eval("return +"),
      EvalRo("return redis.call('set', 'k', 'v')"),
      Args({"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"}),
      Fcall("nosuch"),
  };
  std::vector<Step> steps = {C("SET str v"), C("CONFIG RESETSTAT")};
  for (const Step& script : scripts) {
    steps.push_back(script);
    steps.push_back(C("INFO errorstats"));
  }
  return steps;
}

std::vector<DiffCase> Cases() {
  const std::string binary("bin\0ary\r\n\xff", 10);
  return {
      Case("LuaToRespNumbersStringsBooleans", {Eval("return 1"),
                                               Eval("return -42"),
                                               Eval("return 3.99"),
                                               Eval("return -3.99"),
                                               Eval("return 0.5"),
                                               Eval("return {1.9, -1.9, 0.1, -0.1}"),
                                               Eval("return 2^53 + 1"),
                                               Eval("return 9007199254740993"),
                                               Eval("return -2^63"),
                                               Eval("return 'hello'"),
                                               Eval("return ''"),
                                               Eval("return 'a\\0b\\r\\nc'"),
                                               Eval("return '123'"),
                                               Eval("return tostring(1/3)"),
                                               Eval("return tostring(1e100)"),
                                               Eval("return tostring(-0.0)"),
                                               Eval("return tostring(12345678901234567)"),
                                               Eval("return true"),
                                               Eval("return false"),
                                               Eval("return nil"),
                                               Eval("return"),
                                               Eval(""),
                                               Eval("return function() end"),
                                               Eval("return 1, 2, 3")}),
      Case(
          "LuaToRespTables",
          {Eval("return {}"), Eval("return {1, 2, 3, 'four', 5.5}"), Eval("return {1, 2, nil, 4}"),
           Eval("return {nil, 2}"), Eval("return {1, false, 3}"), Eval("return {1, true, 3}"),
           Eval("return {1, {2, {3, {4, 'deep'}}}, {}}"), Eval("return {foo = 'bar'}"),
           Eval("return {1, 2, foo = 'bar'}"), Eval("return {1, function() end, 3}"),
           Eval("local t = {} for i = 1, 1000 do t[i] = i * 2 end return t"),
           Eval("local t = {} t[1] = 'a' t[2] = 'b' t[4] = 'd' return t"),
           Eval("return {'x', {ok = 'INNER'}, {err = 'ERR inner error'}, {1, {err = 'DEEP e'}}}")}),
      Case("LuaStatusAndErrorTables", {Eval("return {ok = 'FINE'}"),
                                       Eval("return {ok = ''}"),
                                       Eval("return {ok = 'a\\r\\nb'}"),
                                       Eval("return {err = 'MYERR something bad'}"),
                                       Eval("return {err = 'no code here'}"),
                                       Eval("return {err = ''}"),
                                       Eval("return {err = 'ERR line1\\nline2\\r\\nline3'}"),
                                       Eval("return {err = '-DASHED already'}"),
                                       Eval("return {ok = 'A', err = 'ERR both given'}"),
                                       Eval("return {err = 42}"),
                                       Eval("return {ok = 7}"),
                                       Eval("return {err = {}}"),
                                       Eval("return redis.error_reply('MY_ERR custom')"),
                                       Eval("return redis.error_reply('no code')"),
                                       Eval("return redis.error_reply('-DASH x')"),
                                       Eval("return redis.error_reply('')"),
                                       Eval("return redis.error_reply()"),
                                       Eval("return redis.error_reply(1, 2)"),
                                       Eval("return redis.status_reply('FINE')"),
                                       Eval("return redis.status_reply('')"),
                                       Eval("return redis.status_reply()"),
                                       Eval("return type(redis.error_reply('E x'))"),
                                       Eval("return redis.error_reply('E x').err"),
                                       Eval("return redis.status_reply('S').ok")}),
      Case("LuaResp3Types",
           {Eval("return {double = 3.14}"),
            Eval("return {double = 0.1}"),
            Eval("return {double = -2.5e-5}"),
            Eval("return {double = 1e300}"),
            Eval("return {double = 3}"),
            Eval("return {double = 1/0}"),
            Eval("return {double = -1/0}"),
            Eval("return {double = 'x'}"),
            Eval("return {map = {k = 'v'}}"),
            Eval("return {map = {k = {1, 2, {map = {inner = 3}}}}}"),
            Script("EVAL", "return {map = {a = 1, b = 'two', c = {ok = 'three'}}}", {}, {},
                   Compare::kUnorderedPairs),
            Eval("return {map = {}}"),
            Eval("return {set = {m = true}}"),
            Script("EVAL", "return {set = {a = true, b = true, c = true}}", {}, {},
                   Compare::kSortedArray),
            Eval("return {set = {}}"),
            Eval("return {big_number = '12345678901234567890'}"),
            Eval("return {big_number = '-1'}"),
            Eval("return {verbatim_string = {format = 'txt', string = 'text'}}"),
            Eval("return {verbatim_string = {format = 'mkd', string = '# title\\r\\nbody'}}"),
            Eval("redis.setresp(3) return true"),
            Eval("redis.setresp(3) return false"),
            Eval("redis.setresp(3) return nil"),
            Eval("redis.setresp(3) return {true, false, 1}"),
            Eval("redis.setresp(2) return true"),
            Eval("return redis.setresp(3)"),
            Eval("return redis.setresp(4)"),
            Eval("return redis.setresp(1)"),
            Eval("return redis.setresp()"),
            Eval("return redis.setresp('3')"),
            Eval("return redis.setresp(3, 3)")}),
      Case("CallRepliesUnderSetresp3",
           {C("HSET h f1 v1 f2 v2"), C("SADD s 3 1 2"), C("ZADD z 1.5 a 2 b"), C("RPUSH l x y"),
            Eval("redis.setresp(3) return redis.call('hgetall', KEYS[1])", {"h"}),
            Eval("redis.setresp(3) local r = redis.call('hgetall', KEYS[1]) return {type(r), "
                 "type(r.map), r.map.f1, r.map.f2}",
                 {"h"}),
            Eval("redis.setresp(2) return redis.call('hgetall', KEYS[1])", {"h"}),
            Eval("return redis.call('hgetall', KEYS[1])", {"h"}),
            Eval("redis.setresp(3) return redis.call('hgetall', 'nokey')"),
            Eval("redis.setresp(3) return redis.call('smembers', KEYS[1])", {"s"}),
            Eval("redis.setresp(3) local r = redis.call('smembers', KEYS[1]) return {r.set['1'], "
                 "r.set['2'], r.set['9']}",
                 {"s"}),
            Eval("redis.setresp(3) return redis.call('zscore', KEYS[1], 'a')", {"z"}),
            Eval("redis.setresp(3) return redis.call('zscore', KEYS[1], 'a').double", {"z"}),
            Eval("redis.setresp(3) return tostring(redis.call('zscore', KEYS[1], 'a').double)",
                 {"z"}),
            Eval("redis.setresp(3) return redis.call('zscore', KEYS[1], 'nope')", {"z"}),
            Eval("redis.setresp(3) return redis.call('zrange', KEYS[1], 0, -1, 'withscores')",
                 {"z"}),
            Eval("redis.setresp(3) return redis.call('zincrby', KEYS[1], 0.25, 'a')", {"z"}),
            Eval("return redis.call('zrange', KEYS[1], 0, -1, 'withscores')", {"z"}),
            Eval("redis.setresp(3) return redis.call('get', 'nokey')"),
            Eval("redis.setresp(3) return redis.call('get', 'nokey') == nil"),
            Eval("return redis.call('get', 'nokey') == false"),
            Eval("redis.setresp(3) return {redis.call('lpop', 'nokey')}"),
            Eval("redis.setresp(3) return redis.call('lrange', KEYS[1], 0, -1)", {"l"}),
            Eval("redis.setresp(3) return redis.call('ping')"),
            Eval("redis.setresp(3) return redis.call('incr', 'counter')"),
            Eval("redis.setresp(3) return redis.call('info', 'keyspace')"),
            Eval("redis.setresp(3) local v = redis.call('info', 'keyspace') return "
                 "{v.verbatim_string.format, v.verbatim_string.string}"),
            Eval("redis.setresp(3) return redis.pcall('incr', KEYS[1])", {"h"}),
            Eval("redis.setresp(3) return redis.pcall('nosuch')"),
            Eval("redis.setresp(3) redis.setresp(2) return redis.call('hgetall', KEYS[1])", {"h"}),
            // A count past the hash's size: all of it, in its order.
            Eval("redis.setresp(3) return redis.call('hrandfield', KEYS[1], 5, 'withvalues')",
                 {"h"})}),
      Case("CallAgainstPcallErrors",
           {C("SET str v"),
            Eval("return redis.call('nosuchcommand')"),
            Eval("return redis.pcall('nosuchcommand')"),
            Eval("return redis.call('get')"),
            Eval("return redis.pcall('get')"),
            Eval("return redis.call('set', 'k')"),
            Eval("return redis.pcall('set', 'k')"),
            Eval("return redis.call('get', 'a', 'b')"),
            Eval("return redis.pcall('get', 'a', 'b')"),
            Eval("return redis.call('lpush', KEYS[1], 'x')", {"str"}),
            Eval("return redis.pcall('lpush', KEYS[1], 'x')", {"str"}),
            Eval("return redis.call('incr', KEYS[1])", {"str"}),
            Eval("return redis.pcall('incr', KEYS[1])", {"str"}),
            Eval("return redis.call('set', KEYS[1], 'v', 'EX', 0)", {"k"}),
            Eval("return redis.pcall('set', KEYS[1], 'v', 'BADOPT')", {"k"}),
            Eval("return redis.call()"),
            Eval("return redis.pcall()"),
            Eval("return redis.call('set', 'k', {})"),
            Eval("return redis.pcall('set', 'k', {})"),
            Eval("return redis.call('set', 'k', nil)"),
            Eval("return redis.call('set', 'k', true)"),
            Eval("return redis.call({})"),
            Eval("return redis.call('set', 'k', 3.5)"),
            C("GET k"),
            Eval("return redis.call('set', 'k', 10)"),
            C("GET k"),
            Eval("return redis.call('set', 'k', -0.25)"),
            C("GET k"),
            Eval("return redis.call('subscribe', 'ch')"),
            Eval("return redis.pcall('subscribe', 'ch')"),
            Eval("return redis.call('multi')"),
            Eval("return redis.call('eval', 'return 1', 0)"),
            Eval("return redis.call('script', 'flush')"),
            Eval("return redis.call('function', 'flush')"),
            Eval("return redis.call('blpop', 'nolist', 0)"),
            Eval("return redis.call('ping')"),
            Eval("return redis.call('ping').ok"),
            Eval("return redis.call('ping', 'hi')"),
            Eval("return redis.call('PiNg')"),
            Eval("return redis.call('echo', 'x\\r\\ny')"),
            Eval("local r = redis.pcall('incr', KEYS[1]) return r.err", {"str"}),
            Eval("local r = redis.pcall('incr', KEYS[1]) return type(r)", {"str"}),
            Eval("local ok, e = pcall(redis.call, 'incr', KEYS[1]) return {tostring(ok), type(e), "
                 "type(e) == 'table' and e.err or e}",
                 {"str"}),
            Eval("local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), type(e) == "
                 "'table' and e.err or e}"),
            Eval("return {pcall(function() error('in') end)}"),
            Eval("local a = 1\nlocal b = 2\nreturn redis.call('nosuch')"),
            Eval("\n\n\nreturn redis.call('incr', KEYS[1])", {"str"})}),
      // error({}) and error({ok = ...}) (an error table without err) crash
      // redis-server 7.0.15, so they are not compared.
      Case("LuaErrors", {Eval("error('boom')"),
                         Eval("error('CUSTOM code')"),
                         Eval("error('boom', 0)"),
                         Eval("error({err = 'MYCODE from table'})"),
                         Eval("error(redis.error_reply('TABLECODE x'))"),
                         Eval("error()"),
                         Eval("error(42)"),
                         Eval("return +"),
                         Eval("local x ="),
                         Eval("end"),
                         Eval("return 'unfinished"),
                         Eval("local t = nil return t.x"),
                         Eval("return 1 + {}"),
                         Eval("return #nil"),
                         Eval("return nosuchglobal"),
                         Eval("nosuchglobal = 1"),
                         Eval("_G.x = 1"),
                         Eval("return _G.nosuch"),
                         Eval("redis.call = nil"),
                         Eval("redis = nil"),
                         Eval("math.random = nil"),
                         Eval("string.rep = nil"),
                         Eval("local function f() return f() + 1 end return f()"),
                         Eval("return string.rep('x', -1)"),
                         Eval("return ('x'):bad()"),
                         Eval("return tostring(nil) .. 1")}),
      Case("KeysAndArgv", {Eval("return KEYS", {"a", "b"}, {"c"}),
                           Eval("return ARGV", {"a"}, {"x", "y", ""}),
                           Eval("return {#KEYS, #ARGV}", {"a", "b", "c"}, {"d"}),
                           Eval("return {#KEYS, #ARGV}"),
                           Eval("return {KEYS[1], ARGV[1], KEYS[3]}", {"k1"}, {"a1"}),
                           Eval("return ARGV[1]", {}, {binary}),
                           Eval("return string.len(ARGV[1])", {}, {binary}),
                           Eval("return ARGV[1]", {}, {std::string(100000, 'q')}),
                           Eval("return tonumber(ARGV[1]) + 1", {}, {"41"}),
                           Eval("return type(KEYS)"),
                           Eval("KEYS[1] = 'changed' return KEYS[1]", {"a"}),
                           Eval("return KEYS[1]", {"a"}),
                           Args({"EVAL", "return 1", "-1"}),
                           Args({"EVAL", "return 1", "2", "a"}),
                           Args({"EVAL", "return 1", "x"}),
                           Args({"EVAL", "return 1", "99999999999999999999"}),
                           Args({"EVAL", "return 1", "1.5", "a"}),
                           Args({"EVAL", "return 1"}),
                           Args({"EVAL"}),
                           Args({"EVAL", "return {#KEYS, #ARGV}", "0", "extra", "more"}),
                           Args({"EVAL", "return {#KEYS, #ARGV}", "2", "k1", "k2"}),
                           Args({"EVAL_RO", "return 1", "-1"}),
                           Args({"EVALSHA", kShaLoaded, "2", "a"}),
                           Args({"eval", "return ARGV[1]", "0", "lower case"})}),
      Case("EvalshaAndScriptCommands",
           {Args({"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"}),
            Args({"EVALSHA", "abc", "0"}),
            Args({"EVALSHA", "", "0"}),
            Args({"EVALSHA_RO", "ffffffffffffffffffffffffffffffffffffffff", "0"}),
            Args({"EVALSHA"}),
            Args({"SCRIPT", "LOAD", "return 'loaded'"}),
            Args({"SCRIPT", "LOAD", "return 'loaded'"}),
            Args({"EVALSHA", kShaLoaded, "0"}),
            Args({"EVALSHA", AsciiUpper(kShaLoaded), "0"}),
            Args({"EVALSHA_RO", kShaLoaded, "0"}),
            Args({"EVALSHA", StrCat(kShaLoaded, "00"), "0"}),
            Args({"EVALSHA", std::string(kShaLoaded).substr(0, 39), "0"}),
            Args({"SCRIPT", "LOAD", "return redis.call('set', KEYS[1], ARGV[1])"}),
            Args({"EVALSHA", kShaSetter, "1", "sk", "sv"}),
            C("GET sk"),
            Args({"EVALSHA_RO", kShaSetter, "1", "sk", "sv2"}),
            Args({"EVALSHA", kShaSetter, "1", "sk"}),
            Args({"SCRIPT", "EXISTS", kShaLoaded, "ffffffffffffffffffffffffffffffffffffffff",
                  AsciiUpper(kShaLoaded), kShaCached}),
            Eval("return 'cached by eval'"),
            Args({"SCRIPT", "EXISTS", kShaCached}),
            Args({"EVALSHA", kShaCached, "0"}),
            C("SCRIPT EXISTS"),
            Args({"SCRIPT", "LOAD", "return +"}),
            Args({"SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])"}),
            Args({"EVALSHA_RO", kShaNoWritesGet, "1", "sk"}),
            Args({"SCRIPT", "LOAD", "#!lua flags=bad\nreturn 1"}),
            Args({"SCRIPT", "LOAD", ""}),
            C("SCRIPT LOAD"),
            Args({"SCRIPT", "LOAD", "a", "b"}),
            C("SCRIPT FLUSH ASYNC"),
            Args({"SCRIPT", "EXISTS", kShaLoaded, kShaSetter}),
            Args({"EVALSHA", kShaLoaded, "0"}),
            C("SCRIPT FLUSH SYNC"),
            C("SCRIPT FLUSH sync"),
            C("SCRIPT FLUSH BAD"),
            C("SCRIPT FLUSH SYNC ASYNC"),
            C("SCRIPT KILL"),
            C("SCRIPT KILL now"),
            C("SCRIPT NOSUCH"),
            C("SCRIPT"),
            C("SCRIPT HELP"),
            C("MULTI"),
            Eval("return redis.call('set', KEYS[1], 'in multi')", {"mk"}),
            Args({"SCRIPT", "LOAD", "return 'loaded'"}),
            Args({"EVALSHA", kShaLoaded, "0"}),
            Args({"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"}),
            Eval("return redis.call('nosuch')"),
            C("EXEC"),
            C("GET mk")}),
      Case("ReadOnlyScripts",
           {C("SET k v"), EvalRo("return redis.call('set', KEYS[1], 'v2')", {"k"}),
            EvalRo("return redis.pcall('set', KEYS[1], 'v2')", {"k"}),
            EvalRo("return redis.call('get', KEYS[1])", {"k"}),
            EvalRo("return redis.call('del', KEYS[1])", {"k"}),
            EvalRo("return redis.call('publish', 'ch', 'msg')"),
            EvalRo("return redis.call('incr', 'n')"), EvalRo("return redis.call('nosuch')"),
            EvalRo("return 1"), C("GET k"), C("EXISTS n")}),
      Case("ShebangFlags",
           {C("SET k v"),
            Eval("#!lua\nreturn redis.call('get', KEYS[1])", {"k"}),
            Eval("#!lua\nreturn redis.call('set', KEYS[1], 'v2')", {"k"}),
            Eval("#!lua\nreturn redis.call('set', 'undeclared', 'v')"),
            Eval("#!lua\nreturn redis.call('nosuch')"),
            Eval("#!lua\n\nerror('line three')"),
            EvalRo("#!lua\nreturn 1"),
            EvalRo("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", {"k"}),
            Eval("#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'x')", {"k"}),
            Eval("#!lua flags=no-writes\nreturn redis.pcall('set', KEYS[1], 'x')", {"k"}),
            Eval("#!lua flags=allow-oom\nreturn 1"),
            Eval("#!lua flags=allow-stale\nreturn 2"),
            Eval("#!lua flags=no-cluster\nreturn 3"),
            Eval("#!lua flags=allow-cross-slot-keys\nreturn redis.call('mget', KEYS[1], KEYS[2])",
                 {"k", "other"}),
            Eval("#!lua flags=no-writes,allow-oom\nreturn 4"),
            Eval("#!lua flags=no-writes,allow-stale,no-cluster,allow-oom\nreturn 5"),
            Eval("#!lua flags=\nreturn 6"),
            Eval("#!lua flags=no-writes,bad\nreturn 7"),
            Eval("#!lua flags=NO-WRITES\nreturn 8"),
            Eval("#!lua flags=no-writes flags=allow-oom\nreturn 9"),
            Eval("#!lua  flags=no-writes\nreturn 10"),
            Eval("#!lua name=x\nreturn 11"),
            Eval("#!lua foo\nreturn 12"),
            Eval("#!luajit\nreturn 13"),
            Eval("#!\nreturn 14"),
            Eval("#!lua"),
            Eval("#!lua flags=no-writes"),
            Eval("#!LUA\nreturn 15"),
            Eval("#notshebang\nreturn 16"),
            Eval(" #!lua\nreturn 17"),
            // The line is split as sdssplitargs splits it: quotes, tabs, a bad quote.
            Eval("#!lua flags=\"no-writes\"\nreturn 18"),
            Eval("#!lua\tflags=no-writes\t\nreturn 19"),
            Eval("#!lua flags=\"no-writes\nreturn 20"),
            Eval("#!lua flags=no-writes,,\nreturn 21"),
            Args({"SCRIPT", "LOAD", "#!lua flags=allow-oom\nreturn 'oom ok'"}),
            C("GET k")}),
      Case("ScriptsAndMaxmemory",
           {C("SET k v"),
            C("CONFIG SET maxmemory 1"),
            Eval("#!lua\nreturn 1"),
            Eval("#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'oom-allowed')", {"k"}),
            Eval("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", {"k"}),
            EvalRo("return redis.call('get', KEYS[1])", {"k"}),
            Eval("return redis.call('set', KEYS[1], 'v3')", {"k"}),
            Eval("return redis.pcall('set', KEYS[1], 'v3')", {"k"}),
            Eval("return redis.call('get', KEYS[1])", {"k"}),
            Eval("return redis.call('del', KEYS[1])", {"nothere"}),
            Eval("return 1"),
            Load("#!lua name=oomlib\nredis.register_function('f', function() return 1 end)"),
            C("CONFIG SET maxmemory 0"),
            Load("#!lua name=oomlib\nredis.register_function('f', function() return 1 end)\n"
                 "redis.register_function{function_name='fro', callback=function() return 2 end, "
                 "flags={'no-writes'}}\nredis.register_function{function_name='foom', "
                 "callback=function(keys) return redis.call('set', keys[1], 'foom') end, "
                 "flags={'allow-oom'}}"),
            C("CONFIG SET maxmemory 1"),
            Fcall("f"),
            Fcall("fro"),
            FcallRo("fro"),
            Fcall("foom", {"k"}),
            C("CONFIG SET maxmemory 0"),
            C("GET k")}),
      Case("RedisLibrary",
           {Eval("return redis.sha1hex('')"),
            Eval("return redis.sha1hex('abc')"),
            Eval("return redis.sha1hex(123)"),
            Eval("return redis.sha1hex(ARGV[1])", {}, {binary}),
            Eval("return redis.sha1hex()"),
            Eval("return redis.sha1hex('a', 'b')"),
            Eval("return redis.sha1hex({})"),
            Eval("return redis.log(redis.LOG_WARNING, 'from a script')"),
            Eval("return redis.log(redis.LOG_DEBUG, 'several', 'words', 1)"),
            Eval("return redis.log(redis.LOG_WARNING)"),
            Eval("return redis.log(99, 'bad level')"),
            Eval("return redis.log('x', 'bad level')"),
            Eval("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, "
                 "redis.LOG_WARNING}"),
            Eval("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, "
                 "redis.REPL_ALL}"),
            Eval("return redis.set_repl(redis.REPL_ALL)"),
            Eval("return redis.set_repl(99)"),
            Eval("return redis.set_repl()"),
            Eval("return redis.replicate_commands()"),
            Eval("return redis.breakpoint()"),
            Eval("return redis.debug('x')"),
            Eval("return {type(redis.REDIS_VERSION), type(redis.REDIS_VERSION_NUM)}"),
            Eval("return redis.REDIS_VERSION_NUM > 0x070000"),
            Eval("return type(redis.call)"),
            Eval("return {type(string), type(table), type(math), type(bit), type(cjson), "
                 "type(redis)}"),
            Eval("return type(os)"),
            Eval("return type(io)"),
            Eval("return type(require)"),
            Eval("return type(dofile)"),
            Eval("return type(loadfile)"),
            Eval("return type(loadstring)"),
            Eval("return type(setfenv)"),
            Eval("return type(getfenv)"),
            Eval("return type(newproxy)"),
            Eval("return type(gcinfo)"),
            Eval("return type(collectgarbage)"),
            Eval("return type(rawset)"),
            Eval("return type(rawget)"),
            Eval("return type(rawequal)"),
            Eval("return type(load)"),
            Eval("return type(xpcall)"),
            Eval("return type(coroutine)"),
            Eval("return type(module)"),
            Eval("return type(package)"),
            Eval("return type(print)"),
            Eval("return type(debug)"),
            Eval("return redis.call('type', KEYS[1]).ok", {"nokey"})}),
      Case("BitLibrary", {Eval("return bit.band(0xff, 0x0f)"), Eval("return bit.bor(1, 2, 4)"),
                          Eval("return bit.bxor(5, 3)"), Eval("return bit.bnot(0)"),
                          Eval("return bit.lshift(1, 10)"), Eval("return bit.rshift(-1, 28)"),
                          Eval("return bit.arshift(-256, 4)"), Eval("return bit.tohex(255)"),
                          Eval("return bit.tohex(-1, 4)"), Eval("return bit.tohex(-1, -4)"),
                          Eval("return bit.tobit(2^32 + 5)"), Eval("return bit.rol(1, 33)"),
                          Eval("return bit.ror(1, 1)"), Eval("return bit.bswap(0x12345678)"),
                          Eval("return bit.band()"), Eval("return bit.band('x', 1)")}),
      Case("CjsonLibrary",
           {Eval("return cjson.encode({1, 2, 3})"),
            Eval("return cjson.encode({a = 1})"),
            Eval("return cjson.encode({a = {b = {1, 'x', true, false}}})"),
            Eval("return cjson.encode({alpha = 1, beta = 2, gamma = 3})"),
            Eval("return cjson.encode('str\"q\\\\/\\n\\1')"),
            Eval("return cjson.encode(3.25)"),
            Eval("return cjson.encode(0.1)"),
            Eval("return cjson.encode(1/3)"),
            Eval("return cjson.encode(1e300)"),
            Eval("return cjson.encode(-0)"),
            Eval("return cjson.encode({})"),
            Eval("return cjson.encode(cjson.null)"),
            Eval("return cjson.encode({[1] = 1, [3] = 3})"),
            Eval("return cjson.encode({[1] = 1, [20] = 3})"),
            Eval("return cjson.encode({[1] = 'a', x = 'b'})"),
            Eval("return cjson.encode(function() end)"),
            Eval("return cjson.encode(1/0)"),
            Eval("return cjson.decode('[1,2,{\"a\":3}]')[3].a"),
            Eval("return cjson.decode('{\"x\":[1,2.5,\"s\",true]}').x"),
            Eval("return cjson.encode(cjson.decode('{\"k\":[1,2.5,null,\"s\",{}]}'))"),
            Eval("return cjson.decode('null') == cjson.null"),
            Eval("return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')"),
            Eval("return cjson.decode('1e2')"),
            Eval("return cjson.decode('not json')"),
            Eval("return cjson.decode('[1,2')"),
            Eval("return cjson.decode('')"),
            Eval("return cjson.decode()"),
            Eval("return cjson.decode(string.rep('[', 2000) .. string.rep(']', 2000))"),
            Eval("local t = {} local c = t for i = 1, 2000 do c[1] = {} c = c[1] end return "
                 "cjson.encode(t)"),
            Eval("return cjson.decode(ARGV[1]).name", {}, {"{\"name\":\"n\",\"n\":12}"}),
            Eval("return cjson.encode(cjson.decode(ARGV[1]))", {}, {"[\"a\",1,-0.5,1e+20]"})}),
      Case("MathAndStringLibraries",
           {Eval("math.randomseed(42) return {math.random(100), math.random(1, 6), "
                 "math.random(1000000)}"),
            Eval("math.randomseed(42) return {math.random(100), math.random(1, 6), "
                 "math.random(1000000)}"),
            Eval("math.randomseed(7) return tostring(math.random())"),
            Eval("math.randomseed(7) return {tostring(math.random()), tostring(math.random())}"),
            Eval("return math.random(1000)"),
            Eval("return {math.random(1000), math.random(1000)}"),
            Eval("return math.random(0)"),
            Eval("return math.random(5, 1)"),
            Eval("return math.random(1, 2, 3)"),
            Eval("return string.format('%d %s %.3f %5.1f|%-4s|', 42, 'x', 1/3, 2.25, 'ab')"),
            Eval("return string.format('%q', 'a\\nb\"c')"),
            Eval("return string.rep('ab', 3)"),
            Eval("return table.concat({1, 2, 3}, ',')"),
            Eval("local t = {5, 2, 8, 1} table.sort(t) return t"),
            Eval("return {string.byte('ABC', 1, 3)}"),
            Eval("return string.char(72, 105)"),
            Eval("return {string.find('hello world', 'o w')}"),
            Eval("return string.gsub('hello', 'l', 'L')"),
            Eval("return tonumber('0x10')"),
            Eval("return tonumber('  12  ')"),
            Eval("return tonumber('1e3')"),
            Eval("return {math.floor(-3.5), math.ceil(-3.5), math.abs(-7), math.max(1, 9, 3)}"),
            Eval("return math.fmod(7, 3)"),
            Eval("return tostring(math.pi)"),
            Eval("return tostring(math.huge)"),
            Eval("return tostring(0/0) == tostring(0/0)"),
            Eval("return select('#', 1, 2, 3)"),
            Eval("return {unpack({1, 2, 3})}"),
            Eval("return next({}) == nil"),
            Eval("return type(setmetatable({}, {__index = function() return 1 end}))"),
            Eval("return getmetatable('').__index == string")}),
      Case("ScriptWrites",
           {Eval("redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", {"s"},
                 {"v1"}),
            Eval("redis.call('hset', KEYS[1], 'a', 1, 'b', 2.5) return redis.call('hgetall', "
                 "KEYS[1])",
                 {"h"}),
            Eval("for i = 1, 200 do redis.call('rpush', KEYS[1], i) end return redis.call('llen', "
                 "KEYS[1])",
                 {"l"}),
            Eval("for i = 1, 100 do redis.call('zadd', KEYS[1], i / 3, 'm' .. i) end return "
                 "redis.call('zrange', KEYS[1], 0, 4, 'withscores')",
                 {"z"}),
            Eval("redis.call('sadd', KEYS[1], 'x', 'y', 'z') return redis.call('scard', KEYS[1])",
                 {"set"}),
            Eval("return redis.call('incrbyfloat', KEYS[1], '1.5')", {"f"}),
            Eval("return redis.call('incrbyfloat', KEYS[1], 0.1)", {"f"}),
            Eval("redis.call('set', KEYS[1], 'a') redis.call('append', KEYS[1], 'b') return "
                 "redis.call('strlen', KEYS[1])",
                 {"s2"}),
            Eval("redis.call('set', KEYS[1], 'before the error') return redis.call('nosuch')",
                 {"partial"}),
            Eval("redis.call('set', KEYS[1], 'x') redis.call('expire', KEYS[1], 1000) return "
                 "redis.call('persist', KEYS[1])",
                 {"ttl"}),
            Eval("redis.call('xadd', KEYS[1], '1-1', 'f', 'v') redis.call('xadd', KEYS[1], '2-1', "
                 "'g', 'w') return redis.call('xrange', KEYS[1], '-', '+')",
                 {"st"}),
            Eval("redis.call('select', 1) redis.call('set', KEYS[1], 'in db1') return "
                 "redis.call('get', KEYS[1])",
                 {"sel"}),
            Eval("return redis.call('set', KEYS[1], 'v2', 'GET')", {"s"}),
            Eval("redis.call('setbit', KEYS[1], 100, 1) return redis.call('bitcount', KEYS[1])",
                 {"bits"}),
            Eval("redis.call('pfadd', KEYS[1], 'a', 'b', 'c') return redis.call('pfcount', "
                 "KEYS[1])",
                 {"hll"}),
            Eval("redis.call('set', KEYS[1], 'gone') return redis.call('del', KEYS[1])",
                 {"deleted"}),
            Eval("return redis.call('rename', KEYS[1], KEYS[2])", {"s2", "renamed"}),
            C("GET sel"),
            C("GET s"),
            C("GET partial"),
            C("TTL ttl"),
            C("HGETALL h"),
            C("LRANGE l 0 5"),
            C("ZRANGE z 0 -1 WITHSCORES"),
            Sorted("SMEMBERS set"),
            C("EXISTS deleted s2"),
            C("DEBUG DIGEST-VALUE s h l z set f renamed partial ttl st bits hll"),
            C("DEBUG DIGEST"),
            C("SELECT 1"),
            C("GET sel"),
            C("DEBUG DIGEST"),
            C("SELECT 0"),
            C("MULTI"),
            Eval("return redis.call('incr', KEYS[1])", {"counter"}),
            C("INCR counter"),
            Eval("return redis.call('incr', KEYS[1])", {"counter"}),
            C("EXEC"),
            C("GET counter"),
            C("DEBUG DIGEST-VALUE counter")}),
      Case("ErrorStats", ErrorStatsSteps()),
      Case("FunctionLoad",
           {Load(kMyLib),
            Load(kMyLib),
            LoadReplace(kMyLib),
            Args({"FUNCTION", "LOAD", "replace", kMyLib}),
            Args({"FUNCTION", "LOAD", "REPLACE", "REPLACE", kMyLib}),
            Args({"FUNCTION", "LOAD", "BADOPT", kMyLib}),
            C("FUNCTION LOAD"),
            C("FUNCTION LOAD REPLACE"),
            Load("#!lua name=other\nredis.register_function('myfunc', function() return 1 end)"),
            LoadReplace(
                "#!lua name=other\nredis.register_function('myfunc', function() return 1 end)"),
            Load("#!lua name=two\nredis.register_function('f1', function() return 1 end)\n"
                 "redis.register_function('f1', function() return 2 end)"),
            Load("#!lua name=empty\nlocal x = 1"),
            Load("#!lua name=bad-name\nredis.register_function('f', function() return 1 end)"),
            Load("#!lua name=\nredis.register_function('f', function() return 1 end)"),
            Load("#!lua name\nredis.register_function('f', function() return 1 end)"),
            Load("#!lua\nredis.register_function('f', function() return 1 end)"),
            Load("redis.register_function('f', function() return 1 end)"),
            Load(""),
            Load("#!lua name=x foo=bar\nredis.register_function('f', function() return 1 end)"),
            Load("#!lua name=x name=y\nredis.register_function('f', function() return 1 end)"),
            Load("#!lua name=x flags=no-writes\nredis.register_function('f', function() return 1 "
                 "end)"),
            Load("#!nosuchengine name=x\nredis.register_function('f', function() return 1 end)"),
            Load("#!LUA name=upper\nredis.register_function('fup', function() return 1 end)"),
            Load("#!lua name=badfn\nredis.register_function('bad-fn', function() return 1 end)"),
            Load("#!lua name=badfn\nredis.register_function('', function() return 1 end)"),
            Load("#!lua name=syntax\nredis.register_function('f', function() return end end)"),
            Load("#!lua name=rt\nerror('boom at load')"),
            Load("#!lua name=rt\nlocal t = nil\nlocal x = t.y"),
            Load("#!lua name=callatload\nredis.call('set', 'x', 'y')"),
            Load("#!lua name=pcallatload\nredis.pcall('ping')"),
            Load("#!lua name=keysatload\nlocal k = KEYS"),
            Load("#!lua name=globalatload\nx = 1\nredis.register_function('gf', function() return "
                 "1 end)"),
            Load("#!lua name=x\nredis.register_function('f')"),
            Load("#!lua name=x\nredis.register_function('f', 'notafunction')"),
            Load("#!lua name=x\nredis.register_function(1, function() return 1 end)"),
            Load("#!lua name=x\nredis.register_function('f', function() return 1 end, 'extra')"),
            Load("#!lua name=x\nredis.register_function{function_name='f', callback=function() "
                 "return 1 end, flags={'bad-flag'}}"),
            Load("#!lua name=x\nredis.register_function{function_name='f', callback=function() "
                 "return 1 end, flags='no-writes'}"),
            Load("#!lua name=x\nredis.register_function{function_name='f', callback=function() "
                 "return 1 end, unknown=1}"),
            Load("#!lua name=x\nredis.register_function{callback=function() return 1 end}"),
            Load("#!lua name=x\nredis.register_function{function_name='f'}"),
            Load("#!lua name=x\nredis.register_function{function_name='f', callback=function() "
                 "return 1 end, description=5}"),
            Load("#!lua name=x\nredis.register_function{}"),
            Load("#!lua name=tabled\nredis.register_function{function_name='tf', "
                 "callback=function(keys, args) return 'tabled' end, flags={'no-writes', "
                 "'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}, "
                 "description='a described function'}"),
            Load("#!lua name=lib2\nlocal function helper() return 'h' end\n"
                 "redis.register_function('f2a', function() return helper() end)\n"
                 "redis.register_function('f2b', function(keys) return #keys end)"),
            Load("#!lua name=envlib\nredis.register_function('env', function() return "
                 "{type(redis.call), type(redis.register_function), type(redis.setresp), "
                 "type(redis.log), type(cjson), type(bit), type(math.random)} end)\n"
                 "return {type(redis.call), type(redis.setresp)}"),
            Load("#!lua name=loglib\nredis.log(redis.LOG_NOTICE, 'loading')\n"
                 "redis.register_function('logf', function() return redis.LOG_NOTICE end)"),
            C("FUNCTION LIST LIBRARYNAME mylib"),
            C("FUNCTION LIST LIBRARYNAME tabled"),
            Fcall("myfunc", {}, {"hello"}),
            Fcall("tf"),
            Fcall("f2a"),
            Fcall("f2b", {"a", "b"}),
            Fcall("env"),
            Fcall("logf"),
            Fcall("gf"),
            Fcall("fup"),
            C("FUNCTION STATS")}),
      Case("Fcall",
           {C("SET str v"),
            C("HSET h f1 v1 f2 v2"),
            Load("#!lua name=flib\nredis.register_function('echo_args', function(keys, args) "
                 "return {keys, args} end)"),
            Load("#!lua name=wlib\nredis.register_function('setter', function(keys, args) return "
                 "redis.call('set', keys[1], args[1]) end)"),
            Load("#!lua name=rlib\nredis.register_function{function_name='getter', "
                 "callback=function(keys) return redis.call('get', keys[1]) end, "
                 "flags={'no-writes'}}"),
            Load("#!lua name=rwlib\nredis.register_function{function_name='sneaky', "
                 "callback=function(keys) return redis.call('set', keys[1], 'x') end, "
                 "flags={'no-writes'}}"),
            Load("#!lua name=errlib\n"
                 "redis.register_function('failer', function() return redis.call('nosuch') end)\n"
                 "redis.register_function('raiser', function() error('raised') end)\n"
                 "redis.register_function('errtab', function() return {err = 'CODE from fn'} "
                 "end)\n"
                 "redis.register_function('pcaller', function(keys) return redis.pcall('incr', "
                 "keys[1]) end)\n"
                 "redis.register_function('wrongtype', function(keys) return redis.call('incr', "
                 "keys[1]) end)\n"
                 "redis.register_function('globals', function() return type(KEYS) end)\n"
                 "redis.register_function('newglobal', function() x = 1 end)\n"
                 "redis.register_function('resp3fn', function(keys) redis.setresp(3) return "
                 "redis.call('hgetall', keys[1]) end)\n"
                 "redis.register_function('types', function() return {1.5, 'two', {3}, true, "
                 "false, nil, 7} end)\n"
                 "redis.register_function('register', function() "
                 "redis.register_function('late', function() return 1 end) end)\n"
                 "redis.register_function('fcalls', function() return redis.call('fcall', "
                 "'echo_args', 0) end)\n"
                 "redis.register_function('rnd', function() return math.random(1000) end)"),
            Fcall("echo_args", {"k1", "k2"}, {"a1", "a2"}),
            Fcall("echo_args"),
            Args({"FCALL", "echo_args", "3", "k1"}),
            Args({"FCALL", "echo_args", "-1"}),
            Args({"FCALL", "echo_args", "x"}),
            Args({"FCALL", "echo_args"}),
            C("FCALL"),
            Fcall("nosuch"),
            FcallRo("nosuch"),
            Fcall("ECHO_ARGS"),
            Fcall("setter", {"fk"}, {"fv"}),
            C("GET fk"),
            FcallRo("setter", {"fk"}, {"fv2"}),
            FcallRo("getter", {"fk"}),
            Fcall("getter", {"fk"}),
            Fcall("sneaky", {"fk"}),
            FcallRo("sneaky", {"fk"}),
            Fcall("failer"),
            Fcall("raiser"),
            Fcall("errtab"),
            Fcall("pcaller", {"str"}),
            Fcall("wrongtype", {"str"}),
            Fcall("globals"),
            Fcall("newglobal"),
            Fcall("resp3fn", {"h"}),
            Fcall("types"),
            Fcall("register"),
            Fcall("fcalls"),
            Fcall("rnd"),
            Eval("return redis.call('fcall', 'echo_args', 0)"),
            Eval("return redis.call('fcall_ro', 'getter', 1, 'fk')"),
            C("MULTI"),
            Fcall("setter", {"fk"}, {"in multi"}),
            FcallRo("getter", {"fk"}),
            Fcall("nosuch"),
            C("EXEC"),
            C("GET fk"),
            C("DEBUG DIGEST-VALUE fk"),
            C("FUNCTION STATS")}),
      Case("FunctionListDeleteFlush",
           {C("FUNCTION LIST"),
            C("FUNCTION LIST WITHCODE"),
            Load("#!lua name=libA\nredis.register_function{function_name='fa', callback="
                 "function() return 'a' end, description='first library'}"),
            Load("#!lua name=libB\nredis.register_function{function_name='fb', callback="
                 "function() return 'b' end, flags={'no-writes', 'allow-oom'}}"),
            Load("#!lua name=other\nredis.register_function('fo', function() return 'o' end)"),
            Sorted("FUNCTION LIST"),
            Sorted("FUNCTION LIST WITHCODE"),
            C("FUNCTION LIST LIBRARYNAME libA"),
            C("FUNCTION LIST LIBRARYNAME liba"),
            Sorted("FUNCTION LIST LIBRARYNAME lib*"),
            Sorted("FUNCTION LIST LIBRARYNAME lib"),
            C("FUNCTION LIST LIBRARYNAME b"),
            C("FUNCTION LIST LIBRARYNAME ?ther"),
            C("FUNCTION LIST LIBRARYNAME nomatch"),
            C("FUNCTION LIST WITHCODE LIBRARYNAME libA"),
            C("FUNCTION LIST LIBRARYNAME libB WITHCODE"),
            C("FUNCTION LIST withcode libraryname libB"),
            C("FUNCTION LIST LIBRARYNAME"),
            C("FUNCTION LIST LIBRARYNAME libA LIBRARYNAME libB"),
            C("FUNCTION LIST WITHCODE WITHCODE LIBRARYNAME libA"),
            C("FUNCTION LIST BADARG"),
            C("FUNCTION STATS"),
            C("FUNCTION DELETE libA"),
            C("FUNCTION DELETE libA"),
            C("FUNCTION DELETE liba"),
            C("FUNCTION DELETE"),
            C("FUNCTION DELETE libB other"),
            Fcall("fa"),
            Fcall("fb"),
            Sorted("FUNCTION LIST"),
            C("FLUSHALL"),
            C("SCRIPT FLUSH"),
            Sorted("FUNCTION LIST"),
            Eval("return 'cached by eval'"),
            C("FUNCTION FLUSH ASYNC"),
            C("FUNCTION LIST"),
            Args({"SCRIPT", "EXISTS", kShaCached}),
            Load("#!lua name=libA\nredis.register_function('fa', function() return 'a' end)"),
            C("FUNCTION FLUSH SYNC"),
            C("FUNCTION LIST"),
            C("FUNCTION FLUSH BAD"),
            C("FUNCTION FLUSH SYNC ASYNC"),
            C("FUNCTION STATS"),
            C("FUNCTION KILL"),
            C("FUNCTION KILL now"),
            C("FUNCTION NOSUCH"),
            C("FUNCTION"),
            C("FUNCTION HELP")}),
      Case(
          "FunctionDumpAndRestore",
          {C("FUNCTION DUMP"), C("FUNCTION DUMP extra"), Load(kDumpLib), C("FUNCTION DUMP"),
           C("FUNCTION FLUSH"), Args({"FUNCTION", "RESTORE", DumpLibPayload()}),
           C("FUNCTION LIST WITHCODE"), Fcall("dumped"), C("FUNCTION DUMP"),
           Args({"FUNCTION", "RESTORE", DumpLibPayload()}),
           Args({"FUNCTION", "RESTORE", DumpLibPayload(), "APPEND"}),
           Args({"FUNCTION", "RESTORE", DumpLibPayload(), "append"}),
           Args({"FUNCTION", "RESTORE", DumpLibPayload(), "REPLACE"}),
           Args({"FUNCTION", "RESTORE", DumpLibPayload(), "FLUSH"}),
           Args({"FUNCTION", "RESTORE", DumpLibPayload(), "BADPOLICY"}),
           Args({"FUNCTION", "RESTORE", DumpLibPayload(), "REPLACE", "FLUSH"}), Load(kDumpLib2),
           Args({"FUNCTION", "RESTORE", DumpLibPayload(), "FLUSH"}), C("FUNCTION LIST"),
           C("FUNCTION FLUSH"),
           Load("#!lua name=clash\nredis.register_function('dumped', function() return 'clash' "
                "end)"),
           Args({"FUNCTION", "RESTORE", DumpLibPayload()}),
           Args({"FUNCTION", "RESTORE", DumpLibPayload(), "REPLACE"}), C("FUNCTION LIST"),
           Fcall("dumped"),
           LoadReplace("#!lua name=dumplib\nredis.register_function('other_name', function() "
                       "return 'old' end)"),
           Args({"FUNCTION", "RESTORE", DumpLibPayload(), "REPLACE"}), Fcall("other_name"),
           C("FUNCTION DELETE clash"), Args({"FUNCTION", "RESTORE", DumpLibPayload(), "REPLACE"}),
           Fcall("dumped"), Fcall("other_name"), C("FUNCTION FLUSH"),
           // Damaged payloads: a CRC byte changed, the next RDB version,
           // the pre-GA function opcode and another opcode (both with a
           // right CRC), truncated, empty.
           Args({"FUNCTION", "RESTORE", DumpLibPayload(10, "\x92\xb7\x47\x6b\x6f\x2f\x78\xd9")}),
           Args({"FUNCTION", "RESTORE", DumpLibPayload(11, "\xfb\x68\xfa\x18\x92\xb0\x91\x51")}),
           Args({"FUNCTION", "RESTORE",
                 DumpLibPayload(10, "\xd5\x49\xb9\xa0\x3e\xba\x30\x79", '\xf6')}),
           Args({"FUNCTION", "RESTORE",
                 DumpLibPayload(10, "\xf1\xc6\x97\xb6\x73\x8e\xff\xed", '\x00')}),
           Args({"FUNCTION", "RESTORE", DumpLibPayload().substr(0, 50)}),
           Args({"FUNCTION", "RESTORE", DumpLibPayload().substr(0, 9)}),
           Args({"FUNCTION", "RESTORE", ""}), Args({"FUNCTION", "RESTORE", "not a payload at all"}),
           C("FUNCTION RESTORE"), C("FUNCTION LIST"), C("FUNCTION STATS")}),
  };
}

// The servers, with DEBUG allowed (DEBUG DIGEST-VALUE compares what scripts
// wrote): valkdb from ServerTest, and a redis-server of this fixture's own
// (ServerTest starts one without the option), shared by a suite's tests and
// restarted if it died (Redis 7.0 crashes on some scripts, none of them here).
const std::vector<std::string> kDebugAllowed = {"--enable-debug-command", "yes"};

class ScriptingServers : public ServerTest {
 protected:
  std::vector<std::string> ValkdbArgs() const override { return kDebugAllowed; }

  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_FALSE(FindRedisServer().empty())
        << "redis-server is required by the compatibility tests and was not found: install "
           "the Debian package redis-server (or set REDIS_SERVER=/path/to/redis-server)";
    if (redis_ != nullptr && !redis_->IsRunning()) {
      std::cerr << "redis-server died; its log:\n" << redis_->log();
      redis_.reset();
    }
    if (redis_ == nullptr) {
      auto started = ServerProcess::StartRedis(kDebugAllowed);
      ASSERT_TRUE(started.ok()) << "could not start redis-server: " << started.status();
      redis_ = *std::move(started);
    }
    auto client = ConnectTo(redis_->port());
    ASSERT_NE(client, nullptr);
    ASSERT_EQ(client->Command({"FLUSHALL"}), Ok()) << "on " << redis_->binary();
  }

  void TearDown() override {
    ServerTest::TearDown();
    if (HasFailure() && redis_ != nullptr) {
      std::cerr << "---- log of " << redis_->binary() << " (pid " << redis_->pid() << ", port "
                << redis_->port() << ") ----\n"
                << redis_->log() << "---- end of log ----\n";
    }
  }

  static void TearDownTestSuite() {
    redis_.reset();
    ServerTest::TearDownTestSuite();
  }

  static ServerProcess& redis() { return *redis_; }

 private:
  static inline std::unique_ptr<ServerProcess> redis_;
};

class ScriptingDiffTest : public ScriptingServers,
                          public ::testing::WithParamInterface<DiffCase> {};

TEST_P(ScriptingDiffTest, SameRepliesAsRedis) {
  const DiffCase& c = GetParam();
  const std::string expected = RunCase(redis().port(), c);
  const std::string actual = RunCase(valkdb().port(), c);
  if (!SameTranscriptsUpToClock(actual, expected)) {
    EXPECT_EQ(actual, expected) << "valkdb (actual) and redis-server (expected) differ";
  }
}

// Named "compat..." so that `ctest -R compat` selects them.
INSTANTIATE_TEST_SUITE_P(compat_scripting, ScriptingDiffTest,
                         ::testing::ValuesIn(WithResp3(Cases())),
                         [](const ::testing::TestParamInfo<DiffCase>& info) {
                           return info.param.name;
                         });

// FUNCTION DUMP of libraries loaded on each server: the payloads must be the
// same bytes (when there is one library: several are dumped in hash-table
// order), and each server's payload must restore on both, with the same
// results.
struct DumpSet {
  std::string name;
  Strings libraries;
  std::vector<Step> checks;  // after the payload was restored
};

std::vector<DumpSet> DumpSets() {
  const std::string compressible = StrCat(
      "#!lua name=longlib\n-- ", std::string(400, 'x'), " ",
      [] {
        std::string s;
        for (int i = 0; i < 60; ++i) StrAppend(&s, "abcdefgh", i % 7);
        return s;
      }(),
      "\nredis.register_function('longf', function(keys, args) return 'long' end)");
  const std::string big = StrCat("#!lua name=biglib\nlocal s = '", NoiseLetters(20000),
                                 "'\nredis.register_function('bigf', function() return #s end)");
  const std::string multi =
      "#!lua name=multi\nredis.register_function('m1', function() return 1 end)\n"
      "redis.register_function{function_name='m2', callback=function() return 2 end, "
      "flags={'no-writes'}, description='the second'}\n"
      "redis.register_function('m3', function(keys) return keys end)";
  const std::string utf8 =
      "#!lua name=utf8lib\n-- caf\xc3\xa9 \xe2\x82\xac \xff\xfe\n"
      "redis.register_function{function_name='u', callback=function() return "
      "'\xc3\xa9t\xc3\xa9' end, description='d\xc3\xa9j\xc3\xa0 vu'}";
  return {
      {"Small", {kDumpLib}, {C("FUNCTION LIST WITHCODE"), Fcall("dumped"), C("FUNCTION DUMP")}},
      {"Compressed",
       {compressible},
       {C("FUNCTION LIST WITHCODE"), Fcall("longf"), C("FUNCTION DUMP")}},
      {"Big", {big}, {C("FUNCTION LIST"), Fcall("bigf"), C("FUNCTION DUMP")}},
      {"SeveralFunctions",
       {multi},
       {Fcall("m1"), FcallRo("m2"), Fcall("m3", {"k"}), C("FUNCTION STATS"), C("FUNCTION DUMP")}},
      {"Utf8", {utf8}, {C("FUNCTION LIST WITHCODE"), Fcall("u"), C("FUNCTION DUMP")}},
      {"SeveralLibraries",
       {kDumpLib, kDumpLib2, compressible, kMyLib},
       {Sorted("FUNCTION LIST WITHCODE"), Fcall("dumped"), FcallRo("dumped2", {"a", "b"}),
        Fcall("longf"), Fcall("myfunc", {}, {"x"}), C("FUNCTION STATS")}},
  };
}

// The payload FUNCTION DUMP gives on a server after loading `libraries`.
std::string DumpOf(int port, const Strings& libraries) {
  auto client = RespClient::Connect(port);
  if (!client.ok()) return StrCat("<connect failed: ", client.status().ToString(), ">");
  (*client)->Run({"FUNCTION", "FLUSH"});
  for (const std::string& code : libraries) {
    RespValue loaded = (*client)->Run({"FUNCTION", "LOAD", code});
    if (loaded.is_error()) return StrCat("<FUNCTION LOAD failed: ", loaded.str, ">");
  }
  RespValue dump = (*client)->Run({"FUNCTION", "DUMP"});
  if (dump.type != RespValue::Type::kBulkString) return StrCat("<", dump.DebugString(), ">");
  return dump.str;
}

// Restoring `payload` (with each policy, over libraries that clash or not),
// then `checks`.
DiffCase RestoreCase(const std::string& name, const std::string& payload,
                     const std::vector<Step>& checks, bool one_library) {
  std::vector<Step> steps = {
      C("FUNCTION FLUSH"),
      Args({"FUNCTION", "RESTORE", payload}),
  };
  steps.insert(steps.end(), checks.begin(), checks.end());
  // Redis merges several libraries in hash-table order, which decides the
  // library an APPEND conflict names: that is compared for one library.
  std::vector<const char*> policies = {"REPLACE", "FLUSH"};
  if (one_library) policies.insert(policies.begin(), "APPEND");
  for (const char* policy : policies) {
    steps.push_back(Args({"FUNCTION", "RESTORE", payload, policy}));
    steps.push_back(C("FUNCTION STATS"));
  }
  steps.push_back(
      Load("#!lua name=unrelated\nredis.register_function('unrelated', function() return 0 end)"));
  steps.push_back(Args({"FUNCTION", "RESTORE", payload, "REPLACE"}));
  steps.push_back(Fcall("unrelated"));
  steps.push_back(Args({"FUNCTION", "RESTORE", payload, "FLUSH"}));
  steps.push_back(Fcall("unrelated"));
  steps.insert(steps.end(), checks.begin(), checks.end());
  return DiffCase{name, steps};
}

class ScriptingDumpTest : public ScriptingServers {};

TEST_F(ScriptingDumpTest, PayloadsMatchAndRestoreOnBothServers) {
  for (const DumpSet& set : DumpSets()) {
    SCOPED_TRACE(set.name);
    const std::string from_redis = DumpOf(redis().port(), set.libraries);
    const std::string from_valkdb = DumpOf(valkdb().port(), set.libraries);
    if (set.libraries.size() == 1) {
      EXPECT_EQ(Visible(from_valkdb, 100000), Visible(from_redis, 100000))
          << "FUNCTION DUMP payloads differ: valkdb (actual), redis-server (expected)";
    }
    for (const auto& [source, payload] :
         {std::pair{"redis", from_redis}, std::pair{"valkdb", from_valkdb}}) {
      for (const bool resp3 : {false, true}) {
        DiffCase c = RestoreCase(StrCat(set.name, " payload from ", source), payload, set.checks,
                                 set.libraries.size() == 1);
        c.resp3 = resp3;
        const std::string expected = RunCase(redis().port(), c);
        const std::string actual = RunCase(valkdb().port(), c);
        EXPECT_EQ(actual, expected)
            << "restoring the " << source << " payload of " << set.name << (resp3 ? " (RESP3)" : "")
            << ": valkdb (actual) and redis-server (expected) differ";
      }
    }
  }
}

// Scripts and functions as a replica is sent them: the effects of a script
// (wrapped in MULTI/EXEC when there are several), nothing for reads, the
// FUNCTION commands as given.
std::vector<Strings> Writes() {
  return {
      {"EVAL", "redis.call('set', KEYS[1], ARGV[1])", "1", "p1", "v1"},
      {"EVAL", "redis.call('set', KEYS[1], 'a') redis.call('incr', KEYS[2]) return 1", "2", "p2",
       "p3"},
      {"EVAL", "return redis.call('get', KEYS[1])", "1", "p1"},
      {"EVAL",
       "redis.set_repl(redis.REPL_NONE) redis.call('set', KEYS[1], 'hidden') "
       "redis.set_repl(redis.REPL_ALL) redis.call('set', KEYS[2], 'shown')",
       "2", "p4", "p5"},
      {"EVAL",
       "redis.set_repl(redis.REPL_AOF) redis.call('set', KEYS[1], 'aof only') "
       "redis.set_repl(redis.REPL_REPLICA) redis.call('set', KEYS[2], 'replica only')",
       "2", "p4a", "p5a"},
      {"EVAL", "math.randomseed(5) redis.call('set', KEYS[1], math.random(1000000))", "1", "p6"},
      {"EVAL", "redis.call('select', 3) redis.call('set', KEYS[1], 'db3')", "1", "p7"},
      {"EVAL", "redis.call('set', KEYS[1], 'x') return redis.call('nosuch')", "1", "p8"},
      {"EVAL", "return redis.call('incrbyfloat', KEYS[1], '1.5')", "1", "p9"},
      {"EVAL", "return redis.pcall('incr', KEYS[1])", "1", "p1"},
      {"EVAL", "redis.call('del', KEYS[1]) redis.call('del', KEYS[1])", "1", "p2"},
      {"SCRIPT", "LOAD", "return redis.call('set', KEYS[1], ARGV[1])"},
      {"EVALSHA", kShaSetter, "1", "p10", "v10"},
      {"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "p1"},
      {"FUNCTION", "LOAD",
       "#!lua name=wlib\nredis.register_function('setter', function(keys, args) return "
       "redis.call('set', keys[1], args[1]) end)\nredis.register_function{function_name='getter', "
       "callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}"},
      {"FCALL", "setter", "1", "p11", "v11"},
      {"FCALL_RO", "getter", "1", "p11"},
      {"FUNCTION", "LOAD", "REPLACE",
       "#!lua name=wlib\nredis.register_function('setter', function(keys, args) return "
       "redis.call('set', keys[1], args[1]) end)"},
      {"FUNCTION", "LOAD", "#!lua name=wlib\nredis.register_function('x', function() end)"},
      {"FUNCTION", "DELETE", "wlib"},
      {"FUNCTION", "DELETE", "wlib"},
      {"FUNCTION", "RESTORE", DumpLibPayload()},
      {"FUNCTION", "RESTORE", DumpLibPayload(), "REPLACE"},
      {"FUNCTION", "FLUSH"},
      {"FUNCTION", "LOAD", kMyLib},
      {"MULTI"},
      {"EVAL", "redis.call('set', KEYS[1], 'm')", "1", "p12"},
      {"SET", "p13", "plain"},
      {"FCALL", "myfunc", "0", "x"},
      {"EXEC"},
      {"SCRIPT", "FLUSH"},
      {"ECHO", "end"},
  };
}

// What a redis-server replica of `master` is sent while Writes() run there.
std::string ReplicatedCommands(ServerProcess& master) {
  auto replica = ServerProcess::StartRedis(kDebugAllowed);
  if (!replica.ok()) return "<no replica>";
  auto r = RespClient::Connect((*replica)->port());
  auto m = RespClient::Connect(master.port());
  if (!r.ok() || !m.ok()) return "<connect failed>";
  (*m)->Run({"FLUSHALL"});
  (*m)->Run({"FUNCTION", "FLUSH"});
  (*m)->Run({"SCRIPT", "FLUSH"});
  (*r)->Run({"REPLICAOF", "127.0.0.1", StrCat(master.port())});
  for (int i = 0; i < 200; ++i) {
    RespValue info = (*r)->Run({"INFO", "replication"});
    if (info.str.find("master_link_status:up") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto monitor = RespClient::Connect((*replica)->port());
  if (!monitor.ok() || (*monitor)->Run({"MONITOR"}) != Ok()) return "<MONITOR refused>";
  std::string out;
  for (const auto& command : Writes()) {
    StrAppend(&out, "master: ", (*m)->Run(command).DebugString(), "\n");
  }
  (*m)->Run({"SET", "end", "1"});
  const std::regex stamp(R"(^\d+\.\d{6} \[\d+ [^\]]*\] )");
  for (;;) {
    absl::StatusOr<RespValue> line = (*monitor)->ReadReply();
    if (!line.ok()) return out + "<no end marker>";
    const std::string text = std::regex_replace(line->str, stamp, "");
    if (text.find("\"PING\"") != std::string::npos) continue;  // the master's pings
    out += text + "\n";
    if (text.find("\"end\"") != std::string::npos) break;
  }
  // And the data and the functions arrived the same.
  out += StrCat("digest ", (*r)->Run({"DEBUG", "DIGEST"}).str, " master ",
                (*m)->Run({"DEBUG", "DIGEST"}).str, "\n");
  out += StrCat("functions ", (*r)->Run({"FUNCTION", "LIST", "WITHCODE"}).DebugString(), "\n");
  return out;
}

class ScriptingPropagationTest : public ScriptingServers {};

TEST_F(ScriptingPropagationTest, ReplicasSeeWhatRedisSends) {
  const std::string from_valkdb = ReplicatedCommands(valkdb());
  const std::string from_redis = ReplicatedCommands(redis());
  EXPECT_EQ(from_valkdb, from_redis);
  EXPECT_NE(from_redis.find("\"set\" \"p1\" \"v1\""), std::string::npos) << from_redis;
}

}  // namespace
}  // namespace valkdb::test
