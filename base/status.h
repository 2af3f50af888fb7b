// Status and Result<T>: how every fallible call of every module reports failure (STYLE.md E2).
// Our code never throws; third-party exceptions are caught in one adapter per dependency.
// Value types; thread-compatible (a const Status may be read from several threads).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/assert.h"

namespace base {

// The outcome of an operation: OK, or a closed set of error codes with a two-part message
// ("context: detail", e.g. "event_log: seq 42: hash mismatch"). Cheap to return when OK.
class [[nodiscard]] Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kNotFound = 1,         // The named thing (log, record, key) does not exist.
    kCorruption = 2,       // Stored or supplied bytes are damaged or fail a check.
    kInvalidArgument = 3,  // The caller asked for something impossible or malformed.
    kIOError = 4,          // The environment failed (disk, file system, OS).
    kBusy = 5,             // The resource is held by someone else (e.g. a locked log).
  };

  // OK.
  Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view context, std::string_view detail = {}) {
    return Status(Code::kNotFound, context, detail, false);
  }
  static Status Corruption(std::string_view context, std::string_view detail = {}) {
    return Status(Code::kCorruption, context, detail, false);
  }
  static Status InvalidArgument(std::string_view context, std::string_view detail = {}) {
    return Status(Code::kInvalidArgument, context, detail, false);
  }
  // `retryable`: true when trying again later may succeed (e.g. a transient OS error).
  static Status IOError(std::string_view context, std::string_view detail = {},
                        bool retryable = false) {
    return Status(Code::kIOError, context, detail, retryable);
  }
  static Status Busy(std::string_view context, std::string_view detail = {}) {
    return Status(Code::kBusy, context, detail, true);
  }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  Code code() const { return code_; }
  // True if the same call may succeed when retried (RocksDB IOStatus style).
  bool retryable() const { return retryable_; }
  const std::string& context() const { return context_; }
  const std::string& detail() const { return detail_; }

  // "OK", or e.g. "Corruption: event_log: seq 42: hash mismatch".
  std::string ToString() const;
  // "context: detail" without the code name (for messages shown to users).
  std::string message() const;

  // Marks a deliberately ignored Status, so that every ignored error can be found by grep.
  void PermitUnchecked() const {}

 private:
  Status(Code code, std::string_view context, std::string_view detail, bool retryable)
      : code_(code), retryable_(retryable), context_(context), detail_(detail) {}

  Code code_ = Code::kOk;
  bool retryable_ = false;
  std::string context_;
  std::string detail_;
};

// Either a value of type T or a non-OK Status. Value type.
template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit on purpose, so a function returning Result<T> can `return value;`/`return status;`.
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    BACKSTOP_ASSERT(!status_.ok(), "Result<T> built from an OK Status without a value");
  }

  bool ok() const { return status_.ok(); }
  // OK if a value is held.
  const Status& status() const { return status_; }
  // Precondition (asserted): ok().
  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->Checked(); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Checked(); }

  void PermitUnchecked() const {}

 private:
  T& Checked() {
    BACKSTOP_ASSERT(value_.has_value(), status_.ToString());
    return *value_;
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace base

// Returns the Status of `expr` from the enclosing function if it is not OK.
#define BACKSTOP_RETURN_IF_ERROR(expr)                           \
  do {                                                           \
    ::base::Status backstop_status_tmp_ = (expr);                \
    if (!backstop_status_tmp_.ok()) return backstop_status_tmp_; \
  } while (false)

#define BACKSTOP_CONCAT_INNER_(a, b) a##b
#define BACKSTOP_CONCAT_(a, b) BACKSTOP_CONCAT_INNER_(a, b)
// `BACKSTOP_ASSIGN_OR_RETURN(auto x, F());` declares x = *F() or returns F()'s Status.
#define BACKSTOP_ASSIGN_OR_RETURN(lhs, expr) \
  BACKSTOP_ASSIGN_OR_RETURN_IMPL_(BACKSTOP_CONCAT_(backstop_result_, __LINE__), lhs, expr)
#define BACKSTOP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()
