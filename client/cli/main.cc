// valkdb-cli: a command line client that prints replies the way redis-cli does.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "client/cli/reply_format.h"
#include "client/internal/sync_connection.h"
#include "client/options.h"
#include "protocol/request_parser.h"
#include "protocol/resp_value.h"
#include "protocol/str_util.h"

#ifdef VALKDB_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

namespace valkdb::cli {
namespace {

using client_internal::Deadline;
using client_internal::SyncConnection;

struct Config {
  ClientOptions options;
  bool raw = false;
  bool pipe = false;
  int pipe_timeout = 30;   // seconds without a reply after everything was sent; 0: forever
  bool stdin_arg = false;  // -x: the last argument comes from stdin
  long repeat = 1;
  double interval = 0;
  bool auth_warning = true;
  std::vector<std::string> command;
};

void Usage(FILE* out) {
  std::fprintf(out,
               "valkdb-cli 0.1.0\n"
               "\n"
               "Usage: valkdb-cli [OPTIONS] [cmd [arg [arg ...]]]\n"
               "  -h <hostname>      Server hostname (default: 127.0.0.1).\n"
               "  -p <port>          Server port (default: 6379).\n"
               "  -a <password>      Password to use when connecting to the server.\n"
               "  --pass <password>  Alias of -a.\n"
               "  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.\n"
               "  -n <db>            Database number.\n"
               "  -2                 Start session in RESP2 protocol mode.\n"
               "  -3                 Start session in RESP3 protocol mode.\n"
               "  -t <timeout>       Server connection timeout in seconds (decimals allowed).\n"
               "  -r <repeat>        Execute specified command N times.\n"
               "  -i <interval>      When -r is used, waits <interval> seconds per command.\n"
               "  -x                 Read last argument from STDIN.\n"
               "  --raw              Use raw formatting for replies (default when STDOUT is\n"
               "                     not a tty).\n"
               "  --no-raw           Force formatted output even when STDOUT is not a tty.\n"
               "  --pipe             Transfer raw protocol from stdin to server.\n"
               "  --pipe-timeout <n> In --pipe mode, abort with error if after sending all "
               "data\n"
               "                     no reply is received within <n> seconds (default: 30; 0: "
               "forever).\n"
               "  --no-auth-warning  Don't show warning message when using password on command\n"
               "                     line interface.\n"
               "  --help             Output this help and exit.\n"
               "  --version          Output version and exit.\n"
               "\n"
               "Examples:\n"
               "  valkdb-cli set mykey somevalue\n"
               "  cat commands.txt | valkdb-cli\n"
               "  cat data.resp | valkdb-cli --pipe\n"
               "  valkdb-cli subscribe news\n"
               "\n"
               "When no command is given, valkdb-cli starts in interactive mode.\n");
}

bool ParseArgs(int argc, char** argv, Config* config) {
  config->raw = !isatty(STDOUT_FILENO);
  config->options.connect_timeout = absl::Seconds(5);
  config->options.command_timeout = absl::InfiniteDuration();  // BLPOP 0 may wait forever
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool last = i == argc - 1;
    auto next = [&]() -> const char* { return argv[++i]; };
    if (arg == "-h" && !last) {
      config->options.host = next();
    } else if (arg == "-h" && last) {
      Usage(stdout);
      std::exit(0);
    } else if (arg == "-p" && !last) {
      config->options.port = std::atoi(next());
    } else if ((arg == "-a" || arg == "--pass") && !last) {
      config->options.password = next();
    } else if (arg == "--user" && !last) {
      config->options.username = next();
    } else if (arg == "-n" && !last) {
      config->options.db = std::atoi(next());
    } else if (arg == "-2") {
      config->options.protocol = 2;
    } else if (arg == "-3") {
      config->options.protocol = 3;
    } else if (arg == "-t" && !last) {
      const double seconds = std::atof(next());
      config->options.connect_timeout = seconds > 0 ? absl::Seconds(seconds) : absl::Seconds(5);
    } else if (arg == "-r" && !last) {
      config->repeat = std::strtol(next(), nullptr, 10);
    } else if (arg == "-i" && !last) {
      config->interval = std::atof(next());
    } else if (arg == "-x") {
      config->stdin_arg = true;
    } else if (arg == "--raw") {
      config->raw = true;
    } else if (arg == "--no-raw") {
      config->raw = false;
    } else if (arg == "--pipe") {
      config->pipe = true;
    } else if (arg == "--pipe-timeout" && !last) {
      config->pipe_timeout = std::atoi(next());
    } else if (arg == "--no-auth-warning") {
      config->auth_warning = false;
    } else if (arg == "--help") {
      Usage(stdout);
      std::exit(0);
    } else if (arg == "-v" || arg == "--version") {
      std::printf("valkdb-cli 0.1.0\n");
      std::exit(0);
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-" && !(arg[1] >= '0' && arg[1] <= '9')) {
      std::fprintf(stderr, "Unrecognized option or bad number of args for: '%s'\n", argv[i]);
      return false;
    } else {
      break;
    }
  }
  for (; i < argc; ++i) config->command.emplace_back(argv[i]);
  return true;
}

void Print(const Config& config, const RespValue& reply) {
  const std::string out = config.raw ? FormatRaw(reply) + "\n" : FormatTty(reply);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

bool IsSubscribe(std::string_view name) {
  return EqualsIgnoreCase(name, "subscribe") || EqualsIgnoreCase(name, "psubscribe") ||
         EqualsIgnoreCase(name, "ssubscribe");
}

absl::Status Connect(SyncConnection* conn) {
  absl::Status status = conn->Connect();
  if (!status.ok()) {
    // "Could not connect to valkdb at 127.0.0.1:1: Connection refused", as redis-cli says it.
    std::string reason(status.message());
    const std::string prefix = StrCat("valkdb: cannot connect to ", conn->address(), ": ");
    if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
    std::fprintf(stderr, "Could not connect to valkdb at %s: %s\n", conn->address().c_str(),
                 reason.c_str());
  }
  return status;
}

// Prints every message until the connection ends (or Ctrl-C ends the program).
int StreamMessages(const Config& config, SyncConnection* conn) {
  if (!config.raw) {
    std::printf("Reading messages... (press Ctrl-C to quit)\n");
    std::fflush(stdout);
  }
  while (true) {
    RespValue reply;
    absl::Status status = conn->Read(Deadline::Never(), &reply, /*keep_pushes=*/true);
    if (!status.ok()) {
      std::fprintf(stderr, "Error: %s\n", std::string(status.message()).c_str());
      return 1;
    }
    Print(config, reply);
  }
}

// Runs one command and prints its reply. False when the connection failed.
bool RunCommand(const Config& config, SyncConnection* conn, const std::vector<std::string>& args,
                bool* subscribed) {
  std::vector<std::string_view> views(args.begin(), args.end());
  std::vector<RespValue> replies;
  absl::Status status = conn->RoundTrip(EncodeCommand(views), 1, &replies);
  if (!status.ok()) {
    std::fprintf(stderr, "Error: %s\n", std::string(status.message()).c_str());
    return false;
  }
  Print(config, replies[0]);
  if (!replies[0].is_error()) {
    if (EqualsIgnoreCase(args[0], "select") && args.size() == 2) {
      conn->mutable_options().db = std::atoi(args[1].c_str());
    } else if (EqualsIgnoreCase(args[0], "hello") && args.size() >= 2) {
      conn->mutable_options().protocol = std::atoi(args[1].c_str());
    }
  }
  if (subscribed != nullptr) *subscribed = IsSubscribe(args[0]) && !replies[0].is_error();
  return true;
}

int RunOnce(Config& config) {
  if (config.stdin_arg) {
    std::string data;
    char buf[16 * 1024];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0) data.append(buf, n);
    config.command.push_back(std::move(data));
  }
  SyncConnection conn(config.options);
  if (!Connect(&conn).ok()) return 1;
  if (IsSubscribe(config.command[0])) {
    std::vector<std::string_view> views(config.command.begin(), config.command.end());
    if (absl::Status s = conn.Write(EncodeCommand(views), Deadline::Never()); !s.ok()) {
      std::fprintf(stderr, "Error: %s\n", std::string(s.message()).c_str());
      return 1;
    }
    return StreamMessages(config, &conn);
  }
  for (long i = 0; config.repeat < 0 || i < config.repeat; ++i) {
    if (!RunCommand(config, &conn, config.command, nullptr)) return 1;
    if (config.interval > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(config.interval));
    }
  }
  return 0;
}

bool SplitLine(std::string_view line, std::vector<std::string>* args) {
  std::string storage;
  std::vector<std::pair<size_t, size_t>> words;
  if (!SplitArgs(line, &storage, &words)) return false;
  args->clear();
  for (auto [offset, len] : words) args->push_back(storage.substr(offset, len));
  return true;
}

// Commands from a non-terminal stdin, one per line.
int RunLines(const Config& config) {
  SyncConnection conn(config.options);
  if (!Connect(&conn).ok()) return 1;
  std::string line;
  char buf[16 * 1024];
  std::vector<std::string> args;
  auto run = [&](std::string_view text) {
    if (!SplitLine(text, &args)) {
      std::printf("Invalid argument(s)\n");
      std::fflush(stdout);
      return true;
    }
    if (args.empty()) return true;
    if (IsSubscribe(args[0])) {
      std::vector<std::string_view> views(args.begin(), args.end());
      if (!conn.Write(EncodeCommand(views), Deadline::Never()).ok()) return false;
      std::exit(StreamMessages(config, &conn));
    }
    return RunCommand(config, &conn, args, nullptr);
  };
  while (std::fgets(buf, sizeof(buf), stdin) != nullptr) {
    line.append(buf);
    if (line.empty() || line.back() != '\n') continue;
    line.pop_back();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!run(line)) return 1;
    line.clear();
  }
  if (!line.empty() && !run(line)) return 1;
  return 0;
}

// --pipe: sends stdin as it is, reads replies while sending, and ends with an
// ECHO of random bytes whose reply says the last command was answered.
int RunPipe(const Config& config) {
  SyncConnection conn(config.options);
  if (!Connect(&conn).ok()) return 1;
  const int fd = conn.fd();
  std::string magic(20, ' ');
  {
    std::random_device rd;
    static constexpr char kHex[] = "0123456789abcdef";
    for (char& c : magic) c = kHex[rd() % 16];
  }
  const std::string echo = EncodeCommand({"ECHO", magic});
  std::string out;
  size_t out_pos = 0;
  bool stdin_done = false;
  bool all_sent = false;
  long long errors = 0;
  long long replies = 0;
  ReplyParser parser;
  char buf[64 * 1024];
  auto last_activity = std::chrono::steady_clock::now();
  while (true) {
    pollfd p{fd, static_cast<short>(POLLIN | (all_sent ? 0 : POLLOUT)), 0};
    const int rc = ::poll(&p, 1, all_sent ? 1000 : -1);
    if (rc < 0 && errno != EINTR) {
      std::perror("poll");
      return 1;
    }
    if (rc > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        std::fprintf(stderr, "Error reading from the server: %s\n",
                     n == 0 ? "Connection closed" : std::strerror(errno));
        return 1;
      }
      if (n > 0) {
        last_activity = std::chrono::steady_clock::now();
        std::string_view input(buf, static_cast<size_t>(n));
        while (true) {
          size_t consumed = 0;
          RespValue reply;
          const ReplyParser::Status st = parser.Parse(input, &consumed, &reply);
          input.remove_prefix(consumed);
          if (st == ReplyParser::Status::kNeedMore) break;
          if (st == ReplyParser::Status::kError) {
            std::fprintf(stderr, "Error: %s\n", parser.error().c_str());
            return 1;
          }
          if (all_sent && reply.type == RespValue::Type::kBulkString && reply.str == magic) {
            std::printf("Last reply received from server.\n");
            std::printf("errors: %lld, replies: %lld\n", errors, replies);
            return errors > 0 ? 1 : 0;
          }
          if (reply.is_error()) {
            std::fprintf(stderr, "%s\n", reply.str.c_str());
            ++errors;
          }
          ++replies;
        }
      }
    }
    if (!all_sent && rc > 0 && (p.revents & POLLOUT)) {
      if (out_pos == out.size()) {
        out.clear();
        out_pos = 0;
        if (!stdin_done) {
          const ssize_t n = ::read(STDIN_FILENO, buf, sizeof(buf));
          if (n > 0) {
            out.assign(buf, static_cast<size_t>(n));
          } else if (n == 0) {
            stdin_done = true;
            out = echo;
          } else if (errno != EINTR) {
            std::perror("read stdin");
            return 1;
          }
        }
      }
      if (out_pos < out.size()) {
        const ssize_t n = ::send(fd, out.data() + out_pos, out.size() - out_pos, MSG_NOSIGNAL);
        if (n > 0) {
          out_pos += static_cast<size_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
          std::fprintf(stderr, "Error writing to the server: %s\n", std::strerror(errno));
          return 1;
        }
      }
      if (stdin_done && out_pos == out.size()) {
        all_sent = true;
        last_activity = std::chrono::steady_clock::now();
        std::printf("All data transferred. Waiting for the last reply...\n");
        std::fflush(stdout);
      }
    }
    if (all_sent && config.pipe_timeout > 0 &&
        std::chrono::steady_clock::now() - last_activity >
            std::chrono::seconds(config.pipe_timeout)) {
      std::fprintf(stderr, "No replies for %d seconds: exiting.\n", config.pipe_timeout);
      std::printf("errors: %lld, replies: %lld\n", errors, replies);
      return 1;
    }
  }
}

std::string Prompt(const SyncConnection& conn) {
  if (!conn.is_open()) return "not connected> ";
  std::string prompt = conn.address();
  if (conn.options().db != 0) StrAppend(&prompt, "[", conn.options().db, "]");
  prompt += "> ";
  return prompt;
}

std::string HistoryFile() {
  const char* env = std::getenv("VALKDBCLI_HISTFILE");
  if (env != nullptr && *env != '\0') return std::strcmp(env, "/dev/null") == 0 ? "" : env;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return "";
  return StrCat(home, "/.valkdbcli_history");
}

bool ReadLine(const std::string& prompt, std::string* line) {
#ifdef VALKDB_HAVE_LIBEDIT
  char* text = readline(prompt.c_str());
  if (text == nullptr) return false;
  line->assign(text);
  std::free(text);
  return true;
#else
  std::fputs(prompt.c_str(), stdout);
  std::fflush(stdout);
  char buf[64 * 1024];
  if (std::fgets(buf, sizeof(buf), stdin) == nullptr) return false;
  line->assign(buf);
  while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
  return true;
#endif
}

int RunInteractive(const Config& config) {
  SyncConnection conn(config.options);
  (void)Connect(&conn);
  const std::string history = HistoryFile();
#ifdef VALKDB_HAVE_LIBEDIT
  using_history();
  if (!history.empty()) read_history(history.c_str());
#endif
  std::string line;
  std::vector<std::string> args;
  while (ReadLine(Prompt(conn), &line)) {
    if (StripWhitespace(line).empty()) continue;
#ifdef VALKDB_HAVE_LIBEDIT
    add_history(line.c_str());
    if (!history.empty()) write_history(history.c_str());
#endif
    if (!SplitLine(line, &args)) {
      std::printf("Invalid argument(s)\n");
      continue;
    }
    if (args.empty()) continue;
    if (EqualsIgnoreCase(args[0], "quit") || EqualsIgnoreCase(args[0], "exit")) break;
    if (EqualsIgnoreCase(args[0], "clear") && args.size() == 1) {
      std::printf("\033[H\033[2J");
      continue;
    }
    if (EqualsIgnoreCase(args[0], "connect") && (args.size() == 2 || args.size() == 3)) {
      conn.mutable_options().host = args[1];
      if (args.size() == 3) conn.mutable_options().port = std::atoi(args[2].c_str());
      (void)Connect(&conn);
      continue;
    }
    // "3 incr x" runs the command three times, as in redis-cli.
    long times = 1;
    if (args.size() > 1) {
      char* end = nullptr;
      const long n = std::strtol(args[0].c_str(), &end, 10);
      if (end != nullptr && *end == '\0' && n > 0) {
        times = n;
        args.erase(args.begin());
      }
    }
    if (!conn.is_open() && !Connect(&conn).ok()) continue;
    for (long i = 0; i < times; ++i) {
      bool subscribed = false;
      if (IsSubscribe(args[0])) {
        std::vector<std::string_view> views(args.begin(), args.end());
        if (!conn.Write(EncodeCommand(views), Deadline::Never()).ok()) break;
        return StreamMessages(config, &conn);
      }
      if (!RunCommand(config, &conn, args, &subscribed)) {
        conn.Close();
        break;
      }
    }
  }
  return 0;
}

int Main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  Config config;
  if (!ParseArgs(argc, argv, &config)) return 1;
  if (!config.options.password.empty() && config.auth_warning) {
    std::fprintf(stderr,
                 "Warning: Using a password with '-a' or '-u' option on the command line "
                 "interface may not be safe.\n");
  }
  if (config.pipe) return RunPipe(config);
  if (!config.command.empty()) return RunOnce(config);
  if (!isatty(STDIN_FILENO)) return RunLines(config);
  // A person at a terminal: formatted replies unless --raw was asked for.
  bool asked_raw = false;
  for (int i = 1; i < argc; ++i) asked_raw |= std::strcmp(argv[i], "--raw") == 0;
  config.raw = asked_raw;
  return RunInteractive(config);
}

}  // namespace
}  // namespace valkdb::cli

int main(int argc, char** argv) { return valkdb::cli::Main(argc, argv); }
