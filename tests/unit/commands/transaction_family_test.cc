// MULTI EXEC DISCARD WATCH UNWATCH. Expected replies are redis-server
// 7.0.15's, captured byte for byte (two connections where a second client
// is involved).
#include <string>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

class TransactionFamilyTest : public CommandTest {
 protected:
  TransactionFamilyTest() { other_.id = 43; }
  ~TransactionFamilyTest() override {
    // Watches live in the server's registry: drop them before the clients go.
    Run({"unwatch"});
    RunAs(other_, {"unwatch"});
  }
  ClientState other_;
};

const std::string kQueued = "+QUEUED\r\n";
const std::string kExecAbort = "-EXECABORT Transaction discarded because of previous errors.\r\n";

TEST_F(TransactionFamilyTest, QueueThenExec) {
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_TRUE(client_.in_multi);
  EXPECT_EQ(Run({"set", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"get", "a"}), kQueued);
  EXPECT_EQ(RunAs(other_, {"get", "a"}), kNil) << "nothing runs before EXEC";
  EXPECT_EQ(Run({"exec"}), "*2\r\n+OK\r\n$1\r\n1\r\n");
  EXPECT_FALSE(client_.in_multi);
  EXPECT_EQ(Run({"get", "a"}), Bulk("1"));
}

TEST_F(TransactionFamilyTest, EmptyTransaction) {
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"exec"}), "*0\r\n");
}

TEST_F(TransactionFamilyTest, NestedMultiIsRefusedButKeepsTheTransaction) {
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"multi"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(Run({"ping"}), kQueued);
  EXPECT_EQ(Run({"exec"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionFamilyTest, ExecAndDiscardWithoutMulti) {
  EXPECT_EQ(Run({"exec"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(Run({"discard"}), "-ERR DISCARD without MULTI\r\n");
}

TEST_F(TransactionFamilyTest, Discard) {
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"set", "a", "2"}), kQueued);
  EXPECT_EQ(Run({"discard"}), kOk);
  EXPECT_FALSE(client_.in_multi);
  EXPECT_EQ(Run({"get", "a"}), Bulk("1"));
  EXPECT_EQ(Run({"exec"}), "-ERR EXEC without MULTI\r\n");
}

TEST_F(TransactionFamilyTest, ArityErrorWhileQueueingAbortsExec) {
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"get"}), WrongArity("get"));
  EXPECT_EQ(Run({"set", "a", "3"}), kQueued);
  EXPECT_EQ(Run({"exec"}), kExecAbort);
  EXPECT_FALSE(client_.in_multi);
  EXPECT_EQ(Run({"get", "a"}), Bulk("1"));
}

TEST_F(TransactionFamilyTest, UnknownCommandWhileQueueingAbortsExec) {
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"nosuchcommand", "x"}),
            "-ERR unknown command 'nosuchcommand', with args beginning with: 'x' \r\n");
  EXPECT_EQ(Run({"exec"}), kExecAbort);
}

TEST_F(TransactionFamilyTest, NestedMultiWithArgumentsAbortsExec) {
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"multi", "x"}), WrongArity("multi"));
  EXPECT_EQ(Run({"exec"}), kExecAbort);
}

TEST_F(TransactionFamilyTest, RuntimeErrorsInsideExecDoNotStopTheRest) {
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"set", "k", "v"}), kQueued);
  EXPECT_EQ(Run({"expire", "k", "abc"}), kQueued);
  EXPECT_EQ(Run({"get", "k"}), kQueued);
  EXPECT_EQ(Run({"exec"}),
            "*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nv\r\n");
}

// Redis rejects a wrong-arity EXEC through execCommandAbort: the transaction
// is discarded and the error says so, inside MULTI or not.
TEST_F(TransactionFamilyTest, ExecWithArgumentsAbortsTheTransaction) {
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"get", "a"}), kQueued);
  EXPECT_EQ(Run({"exec", "x"}),
            "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
            "command\r\n");
  EXPECT_FALSE(client_.in_multi);
  EXPECT_EQ(Run({"ping"}), "+PONG\r\n");
}

TEST_F(TransactionFamilyTest, ExecWithArgumentsOutsideMulti) {
  EXPECT_EQ(Run({"exec", "x"}),
            "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
            "command\r\n");
}

TEST_F(TransactionFamilyTest, ArityOfTheOthers) {
  EXPECT_EQ(Run({"multi", "x"}), WrongArity("multi"));
  EXPECT_EQ(Run({"discard", "x"}), WrongArity("discard"));
  EXPECT_EQ(Run({"watch"}), WrongArity("watch"));
  EXPECT_EQ(Run({"unwatch", "x"}), WrongArity("unwatch"));
}

TEST_F(TransactionFamilyTest, StateChangesInsideExecStick) {
  Run({"set", "a", "0"});
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"select", "1"}), kQueued);
  EXPECT_EQ(Run({"set", "a", "1"}), kQueued);
  EXPECT_EQ(Run({"exec"}), "*2\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(client_.db, 1);
  EXPECT_EQ(Run({"get", "a"}), Bulk("1"));
  Run({"select", "0"});
  EXPECT_EQ(Run({"get", "a"}), Bulk("0"));
}

TEST_F(TransactionFamilyTest, FlushallInsideExec) {
  Run({"set", "a", "0"});
  Run({"multi"});
  EXPECT_EQ(Run({"flushall"}), kQueued);
  EXPECT_EQ(Run({"exec"}), "*1\r\n+OK\r\n");
  EXPECT_EQ(Run({"dbsize"}), Int(0));
}

TEST_F(TransactionFamilyTest, HelloInsideExecSwitchesTheProtocolForLaterReplies) {
  Run({"multi"});
  EXPECT_EQ(Run({"hello", "3"}), kQueued);
  EXPECT_EQ(Run({"get", "nokey"}), kQueued);
  const std::string reply = Run({"exec"});
  EXPECT_EQ(reply.substr(0, 8), "*2\r\n%7\r\n") << reply;
  EXPECT_EQ(reply.substr(reply.size() - 3), "_\r\n") << reply;
  EXPECT_EQ(client_.protocol, 3);
}

// ---------------------------------------------------------------- WATCH

TEST_F(TransactionFamilyTest, WatchedKeyChangedByAnotherClientFailsExec) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"watch", "k"}), kOk);
  EXPECT_EQ(RunAs(other_, {"set", "k", "v2"}), kOk);
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"ping"}), kQueued);
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
  // The watch is gone after EXEC: the next transaction runs.
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionFamilyTest, WatchedKeyChangedByTheSameClientFailsExec) {
  EXPECT_EQ(Run({"watch", "a"}), kOk);
  EXPECT_EQ(Run({"set", "a", "9"}), kOk);
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"get", "a"}), kQueued);
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
}

TEST_F(TransactionFamilyTest, FailedExecInResp3IsNull) {
  Run({"hello", "3"});
  Run({"watch", "a"});
  RunAs(other_, {"set", "a", "x"});
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "_\r\n");
}

TEST_F(TransactionFamilyTest, UnrelatedChangesDoNotFailExec) {
  Run({"set", "k", "v"});
  Run({"watch", "k"});
  RunAs(other_, {"set", "other", "v2"});
  RunAs(other_, {"select", "1"});
  RunAs(other_, {"set", "k", "x"});  // same name, other database
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionFamilyTest, NoOpWritesDoNotFailExec) {
  Run({"set", "k", "v"});
  Run({"watch", "k", "zz"});
  EXPECT_EQ(RunAs(other_, {"del", "zz"}), Int(0));
  EXPECT_EQ(RunAs(other_, {"set", "k", "v", "nx"}), kNil);
  EXPECT_EQ(RunAs(other_, {"persist", "k"}), Int(0));
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionFamilyTest, ExpireOnAWatchedKeyFailsExec) {
  Run({"set", "k", "v"});
  Run({"watch", "k"});
  EXPECT_EQ(RunAs(other_, {"expire", "k", "100"}), Int(1));
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
}

TEST_F(TransactionFamilyTest, FlushallFailsExecForAWatchedExistingKey) {
  Run({"set", "k", "v"});
  Run({"watch", "k"});
  EXPECT_EQ(RunAs(other_, {"flushall"}), kOk);
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
}

// Redis's touchAllWatchedKeysInDb only marks keys that existed in the
// flushed database.
TEST_F(TransactionFamilyTest, FlushOfKeysThatDoNotExistDoesNotFailExec) {
  Run({"watch", "nokey"});
  EXPECT_EQ(RunAs(other_, {"flushall"}), kOk);
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionFamilyTest, FlushdbOfAnotherDatabaseDoesNotFailExec) {
  Run({"set", "k", "v"});
  Run({"watch", "k"});
  RunAs(other_, {"select", "1"});
  EXPECT_EQ(RunAs(other_, {"flushdb"}), kOk);
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionFamilyTest, WatchInsideMultiIsRefusedWithoutAborting) {
  Run({"multi"});
  EXPECT_EQ(Run({"watch", "a"}), "-ERR WATCH inside MULTI is not allowed\r\n");
  EXPECT_EQ(Run({"exec"}), "*0\r\n");
}

TEST_F(TransactionFamilyTest, Unwatch) {
  Run({"watch", "a", "b"});
  EXPECT_EQ(Run({"unwatch"}), kOk);
  RunAs(other_, {"set", "a", "1"});
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*1\r\n+PONG\r\n");
}

TEST_F(TransactionFamilyTest, DiscardUnwatches) {
  Run({"watch", "k"});
  Run({"multi"});
  EXPECT_EQ(Run({"discard"}), kOk);
  RunAs(other_, {"set", "k", "changed"});
  Run({"multi"});
  Run({"get", "k"});
  EXPECT_EQ(Run({"exec"}), "*1\r\n$7\r\nchanged\r\n");
}

TEST_F(TransactionFamilyTest, WatchManyKeysTwice) {
  EXPECT_EQ(Run({"watch", "a", "b", "a"}), kOk);
  EXPECT_EQ(Run({"watch", "b", "c"}), kOk);
  RunAs(other_, {"set", "c", "1"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
}

}  // namespace
}  // namespace valkdb::testing_util
