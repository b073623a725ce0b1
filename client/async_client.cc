#include "client/async_client.h"

#include <uv.h>

#include <utility>

#include "absl/synchronization/notification.h"
#include "client/internal/async_core.h"
#include "client/internal/task_queue.h"

namespace valkdb {
namespace {

// How long a Future::Get() without a timeout may wait: everything the request
// may take, plus a margin. Unbounded only when the caller made a timeout unbounded.
absl::Duration MaxWait(const ClientOptions& options) {
  return options.connect_timeout + options.command_timeout + absl::Seconds(1);
}

// How long the destructor waits for a loop on another thread to let go of the client.
constexpr absl::Duration kShutdownWait = absl::Seconds(5);

}  // namespace

AsyncClient::AsyncClient(ClientOptions options)
    : options_(std::move(options)),
      max_wait_(MaxWait(options_)),
      own_loop_(std::make_unique<EventLoop>()) {
  Init(own_loop_->loop(), own_loop_->queue());
}

AsyncClient::AsyncClient(EventLoop* loop, ClientOptions options)
    : options_(std::move(options)), max_wait_(MaxWait(options_)) {
  Init(loop->loop(), loop->queue());
}

AsyncClient::AsyncClient(uv_loop_s* loop, ClientOptions options)
    : options_(std::move(options)), max_wait_(MaxWait(options_)) {
  auto thread = std::make_shared<client_internal::LoopThread>();
  thread->SetCurrent();  // the caller's loop thread, until a callback says otherwise
  own_queue_ = std::make_shared<client_internal::TaskQueue>(loop, std::move(thread));
  Init(loop, own_queue_);
}

void AsyncClient::Init(uv_loop_s* loop, std::shared_ptr<client_internal::TaskQueue> queue) {
  thread_ = queue->thread();
  core_ = client_internal::AsyncCore::Create(loop, std::move(queue), options_,
                                             client_internal::AsyncCore::Hooks());
}

AsyncClient::~AsyncClient() {
  auto finished = std::make_shared<absl::Notification>();
  core_->Shutdown([finished] { finished->Notify(); });
  if (own_queue_ != nullptr) own_queue_->Run([queue = own_queue_] { queue->Close(); });
  if (!InLoopThread()) finished->WaitForNotificationWithTimeout(kShutdownWait);
  core_.reset();
  own_loop_.reset();
}

bool AsyncClient::InLoopThread() const { return thread_->IsCurrent(); }

void AsyncClient::Command(const Request& request, ReplyCallback callback) {
  if (request.argc() == 0) {
    callback(absl::InvalidArgumentError("valkdb: empty command"));
    return;
  }
  client_internal::AsyncOp op;
  op.bytes = request.encoded();
  op.replies = 1;
  op.deadline = client_internal::Deadline::After(options_.command_timeout);
  op.done = [callback = std::move(callback)](client_internal::Replies replies) {
    if (!replies.ok()) {
      callback(replies.status());
    } else {
      callback(reply::ToStatusOr(std::move((*replies)[0])));
    }
  };
  core_->Submit(std::move(op));
}

void AsyncClient::Execute(const Pipeline& pipeline,
                          std::function<void(absl::StatusOr<PipelineReplies>)> callback) {
  if (pipeline.empty()) {
    callback(PipelineReplies());
    return;
  }
  client_internal::AsyncOp op;
  op.bytes = pipeline.encoded();
  op.replies = pipeline.size();
  op.deadline = client_internal::Deadline::After(options_.command_timeout);
  op.done = [callback = std::move(callback)](client_internal::Replies replies) {
    if (!replies.ok()) {
      callback(replies.status());
      return;
    }
    PipelineReplies out;
    out.reserve(replies->size());
    for (RespValue& r : *replies) out.push_back(reply::ToStatusOr(std::move(r)));
    callback(std::move(out));
  };
  core_->Submit(std::move(op));
}

Future<PipelineReplies> AsyncClient::Execute(const Pipeline& pipeline) {
  auto state = std::make_shared<client_internal::FutureState<PipelineReplies>>(thread_, max_wait_);
  Execute(pipeline, [state](absl::StatusOr<PipelineReplies> r) { state->Set(std::move(r)); });
  return Future<PipelineReplies>(std::move(state));
}

}  // namespace valkdb
