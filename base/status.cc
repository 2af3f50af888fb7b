// Status formatting.
#include "base/status.h"

namespace base {
namespace {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "OK";
    case Status::Code::kNotFound:
      return "NotFound";
    case Status::Code::kCorruption:
      return "Corruption";
    case Status::Code::kInvalidArgument:
      return "InvalidArgument";
    case Status::Code::kIOError:
      return "IOError";
    case Status::Code::kBusy:
      return "Busy";
  }
  return "Unknown";
}

}  // namespace

std::string Status::message() const {
  if (detail_.empty()) return context_;
  if (context_.empty()) return detail_;
  return context_ + ": " + detail_;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string text = CodeName(code_);
  text += ": ";
  text += message();
  if (retryable_) text += " (retryable)";
  return text;
}

}  // namespace base
