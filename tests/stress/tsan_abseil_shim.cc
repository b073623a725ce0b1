// TSan support for Debian's abseil, preloaded into the TSan test runs by
// scripts/sanitizers.sh (LD_PRELOAD). Not part of any build target.
//
// Debian's libabsl_synchronization.so is not built with -fsanitize=thread, so
// ThreadSanitizer cannot see absl::Mutex (or CondVar, Notification) order
// anything: every access guarded by one looks like a data race. This library
// interposes the out-of-line entry points, calls the real ones (dlsym
// RTLD_NEXT) and tells TSan what happened with its mutex annotation API, so
// TSan treats an absl::Mutex like a pthread mutex (happens-before through it,
// lock-order inversion detection, "mutex held" in reports).
//
// The __tsan_* functions are weak: in a process without the TSan runtime
// (a shell, redis-server) they are null and the wrappers only forward.

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

extern "C" {
void __tsan_mutex_create(void* addr, unsigned flags) __attribute__((weak));
void __tsan_mutex_destroy(void* addr, unsigned flags) __attribute__((weak));
void __tsan_mutex_pre_lock(void* addr, unsigned flags) __attribute__((weak));
void __tsan_mutex_post_lock(void* addr, unsigned flags, int recursion) __attribute__((weak));
int __tsan_mutex_pre_unlock(void* addr, unsigned flags) __attribute__((weak));
void __tsan_mutex_post_unlock(void* addr, unsigned flags) __attribute__((weak));
void __tsan_acquire(void* addr) __attribute__((weak));
void __tsan_release(void* addr) __attribute__((weak));
}

namespace {

// Flags of the TSan mutex annotation API (sanitizer/tsan_interface.h).
constexpr unsigned kReadLock = 1 << 3;
constexpr unsigned kTryLock = 1 << 4;
constexpr unsigned kTryLockFailed = 1 << 5;

#define SHIM_STR2(x) #x
#define SHIM_STR(x) SHIM_STR2(x)

// The real `absl::<inline namespace>::<scope>::<member>`, given the mangled
// class name (scope) and member (tail); const members mangle with a K.
template <typename Fn>
Fn Real(const char* scope, const char* tail, bool is_const = false) {
  const std::string ns = SHIM_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string name = std::string(is_const ? "_ZNK4absl" : "_ZN4absl") +
                           std::to_string(ns.size()) + ns + scope + tail;
  void* fn = dlsym(RTLD_NEXT, name.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan_abseil_shim: %s not found\n", name.c_str());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

#define REAL(type, scope, tail) static const auto real = Real<type>(scope, tail)
#define REAL_CONST(type, scope, tail) static const auto real = Real<type>(scope, tail, true)

void PreLock(void* mu, unsigned flags) {
  if (__tsan_mutex_pre_lock) __tsan_mutex_pre_lock(mu, flags);
}
void PostLock(void* mu, unsigned flags) {
  if (__tsan_mutex_post_lock) __tsan_mutex_post_lock(mu, flags, 0);
}
void PreUnlock(void* mu, unsigned flags) {
  if (__tsan_mutex_pre_unlock) __tsan_mutex_pre_unlock(mu, flags);
}
void PostUnlock(void* mu, unsigned flags) {
  if (__tsan_mutex_post_unlock) __tsan_mutex_post_unlock(mu, flags);
}
// A wait drops the (write) lock and takes it again.
void BeforeWait(void* mu) {
  PreUnlock(mu, 0);
  PostUnlock(mu, 0);
}
void AfterWait(void* mu) {
  PreLock(mu, 0);
  PostLock(mu, 0);
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

Mutex::~Mutex() {
  REAL(void (*)(Mutex*), "5Mutex", "D1Ev");
  if (__tsan_mutex_destroy) __tsan_mutex_destroy(this, 0);
  real(this);
}

void Mutex::Lock() {
  REAL(void (*)(Mutex*), "5Mutex", "4LockEv");
  PreLock(this, 0);
  real(this);
  PostLock(this, 0);
}

void Mutex::Unlock() {
  REAL(void (*)(Mutex*), "5Mutex", "6UnlockEv");
  PreUnlock(this, 0);
  real(this);
  PostUnlock(this, 0);
}

bool Mutex::TryLock() {
  REAL(bool (*)(Mutex*), "5Mutex", "7TryLockEv");
  PreLock(this, kTryLock);
  const bool locked = real(this);
  PostLock(this, kTryLock | (locked ? 0 : kTryLockFailed));
  return locked;
}

void Mutex::ReaderLock() {
  REAL(void (*)(Mutex*), "5Mutex", "10ReaderLockEv");
  PreLock(this, kReadLock);
  real(this);
  PostLock(this, kReadLock);
}

void Mutex::ReaderUnlock() {
  REAL(void (*)(Mutex*), "5Mutex", "12ReaderUnlockEv");
  PreUnlock(this, kReadLock);
  real(this);
  PostUnlock(this, kReadLock);
}

bool Mutex::ReaderTryLock() {
  REAL(bool (*)(Mutex*), "5Mutex", "13ReaderTryLockEv");
  PreLock(this, kReadLock | kTryLock);
  const bool locked = real(this);
  PostLock(this, kReadLock | kTryLock | (locked ? 0 : kTryLockFailed));
  return locked;
}

void Mutex::LockWhen(const Condition& cond) {
  REAL(void (*)(Mutex*, const Condition&), "5Mutex", "8LockWhenERKNS0_9ConditionE");
  PreLock(this, 0);
  real(this, cond);
  PostLock(this, 0);
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, absl::Duration timeout) {
  REAL(bool (*)(Mutex*, const Condition&, absl::Duration), "5Mutex",
       "19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  PreLock(this, 0);
  const bool met = real(this, cond, timeout);
  PostLock(this, 0);  // held either way
  return met;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  REAL(bool (*)(Mutex*, const Condition&, absl::Time), "5Mutex",
       "20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  PreLock(this, 0);
  const bool met = real(this, cond, deadline);
  PostLock(this, 0);
  return met;
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  REAL(void (*)(Mutex*, const Condition&), "5Mutex", "14ReaderLockWhenERKNS0_9ConditionE");
  PreLock(this, kReadLock);
  real(this, cond);
  PostLock(this, kReadLock);
}

void Mutex::Await(const Condition& cond) {
  REAL(void (*)(Mutex*, const Condition&), "5Mutex", "5AwaitERKNS0_9ConditionE");
  BeforeWait(this);
  real(this, cond);
  AfterWait(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  REAL(bool (*)(Mutex*, const Condition&, absl::Duration), "5Mutex",
       "16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  BeforeWait(this);
  const bool met = real(this, cond, timeout);
  AfterWait(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  REAL(bool (*)(Mutex*, const Condition&, absl::Time), "5Mutex",
       "17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  BeforeWait(this);
  const bool met = real(this, cond, deadline);
  AfterWait(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  REAL(void (*)(CondVar*, Mutex*), "7CondVar", "4WaitEPNS0_5MutexE");
  BeforeWait(mu);
  real(this, mu);
  AfterWait(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
  REAL(bool (*)(CondVar*, Mutex*, absl::Duration), "7CondVar",
       "15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  BeforeWait(mu);
  const bool timed_out = real(this, mu, timeout);
  AfterWait(mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  REAL(bool (*)(CondVar*, Mutex*, absl::Time), "7CondVar",
       "16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  BeforeWait(mu);
  const bool timed_out = real(this, mu, deadline);
  AfterWait(mu);
  return timed_out;
}

// A Notification already notified is seen without its mutex: order that too.
void Notification::Notify() {
  REAL(void (*)(Notification*), "12Notification", "6NotifyEv");
  if (__tsan_release) __tsan_release(this);
  real(this);
}

void Notification::WaitForNotification() const {
  REAL_CONST(void (*)(const Notification*), "12Notification", "19WaitForNotificationEv");
  real(this);
  if (__tsan_acquire) __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(absl::Duration timeout) const {
  REAL_CONST(bool (*)(const Notification*, absl::Duration), "12Notification",
       "30WaitForNotificationWithTimeoutENS0_8DurationE");
  const bool notified = real(this, timeout);
  if (notified && __tsan_acquire) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(absl::Time deadline) const {
  REAL_CONST(bool (*)(const Notification*, absl::Time), "12Notification",
       "31WaitForNotificationWithDeadlineENS0_4TimeE");
  const bool notified = real(this, deadline);
  if (notified && __tsan_acquire) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
