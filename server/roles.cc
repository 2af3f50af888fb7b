// The roles file (see roles.h): JSON read with nlohmann-json, whose exceptions stop here.

#include "server/roles.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/strong_type_fmt.h"

namespace server {

using base::Status;

const char* RoleName(Role role) {
  switch (role) {
    case Role::kTrader:
      return "trader";
    case Role::kOperator:
      return "operator";
    case Role::kAuditor:
      return "auditor";
  }
  return "unknown";
}

namespace {

constexpr size_t kMaxClients = 100000;
constexpr size_t kMaxAccountsPerClient = 100000;

bool IsHex64(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Status ParseRole(const std::string& text, Role* role) {
  if (text == "trader") {
    *role = Role::kTrader;
  } else if (text == "operator") {
    *role = Role::kOperator;
  } else if (text == "auditor") {
    *role = Role::kAuditor;
  } else {
    return Status::InvalidArgument("roles", "unknown role '" + text + "'");
  }
  return Status::OK();
}

base::Result<ClientEntry> ParseEntry(const nlohmann::json& item) {
  if (!item.is_object()) return Status::InvalidArgument("roles", "an entry is not an object");
  ClientEntry entry;
  for (const auto& [key, value] : item.items()) {
    if (key == "name") {
      entry.name = value.get<std::string>();
    } else if (key == "role") {
      BACKSTOP_RETURN_IF_ERROR(ParseRole(value.get<std::string>(), &entry.role));
    } else if (key == "subject") {
      entry.subject = value.get<std::string>();
    } else if (key == "sha256") {
      entry.sha256 = value.get<std::string>();
      std::transform(entry.sha256.begin(), entry.sha256.end(), entry.sha256.begin(),
                     [](char c) { return static_cast<char>(std::tolower(c)); });
      entry.sha256.erase(std::remove(entry.sha256.begin(), entry.sha256.end(), ':'),
                         entry.sha256.end());
    } else if (key == "accounts") {
      if (!value.is_array() || value.size() > kMaxAccountsPerClient) {
        return Status::InvalidArgument("roles", "accounts must be an array of account ids");
      }
      for (const auto& account : value) {
        if (!account.is_number_unsigned()) {
          return Status::InvalidArgument("roles", "an account id is not an unsigned integer");
        }
        entry.accounts.push_back(engine::AccountId{account.get<uint64_t>()});
      }
    } else {
      return Status::InvalidArgument("roles", "unknown key '" + key + "'");
    }
  }
  if (!item.contains("role")) return Status::InvalidArgument("roles", "an entry has no role");
  if (entry.subject.empty() && entry.sha256.empty()) {
    return Status::InvalidArgument("roles", "an entry has neither subject nor sha256");
  }
  if (!entry.sha256.empty() && !IsHex64(entry.sha256)) {
    return Status::InvalidArgument("roles", "sha256 is not 64 hex digits: " + entry.sha256);
  }
  if (entry.name.empty()) entry.name = entry.subject.empty() ? entry.sha256 : entry.subject;
  std::sort(entry.accounts.begin(), entry.accounts.end());
  return entry;
}

}  // namespace

base::Result<Roles> Roles::Parse(std::string_view json) {
  Roles roles;
  try {
    const nlohmann::json document = nlohmann::json::parse(json);
    if (!document.is_object() || !document.contains("clients") || !document["clients"].is_array()) {
      return Status::InvalidArgument("roles", "expected {\"clients\": [...]}");
    }
    if (document.size() != 1) return Status::InvalidArgument("roles", "unknown top-level key");
    if (document["clients"].size() > kMaxClients) {
      return Status::InvalidArgument("roles", "too many clients");
    }
    for (const auto& item : document["clients"]) {
      auto entry = ParseEntry(item);
      if (!entry.ok()) {
        return Status::InvalidArgument(
            "roles",
            fmt::format("entry {}: {}", roles.entries_.size() + 1, entry.status().detail()));
      }
      roles.entries_.push_back(std::move(*entry));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument("roles", e.what());
  }
  for (size_t i = 0; i < roles.entries_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const ClientEntry& a = roles.entries_[i];
      const ClientEntry& b = roles.entries_[j];
      if ((!a.sha256.empty() && a.sha256 == b.sha256) ||
          (!a.subject.empty() && a.subject == b.subject)) {
        return Status::InvalidArgument("roles", fmt::format("entries {} and {} name the same "
                                                            "certificate",
                                                            j + 1, i + 1));
      }
      // The name is the principal recorded with every command (idempotency keys on it).
      if (a.name == b.name) {
        return Status::InvalidArgument(
            "roles",
            fmt::format("entries {} and {} have the same name '{}'", j + 1, i + 1, a.name));
      }
    }
  }
  return roles;
}

base::Result<Roles> Roles::Load(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Status::IOError("roles", "cannot read " + path);
  std::stringstream text;
  text << file.rdbuf();
  auto roles = Parse(text.str());
  if (!roles.ok()) return Status::InvalidArgument("roles", path + ": " + roles.status().detail());
  return roles;
}

const ClientEntry* Roles::Find(std::string_view subject, std::string_view sha256_hex) const {
  for (const ClientEntry& entry : entries_) {
    if (!entry.sha256.empty() && entry.sha256 == sha256_hex) return &entry;
  }
  for (const ClientEntry& entry : entries_) {
    if (!entry.subject.empty() && entry.subject == subject) return &entry;
  }
  return nullptr;
}

namespace {

// The account a trader's input acts for, or nullopt if a trader may not send it at all.
std::optional<engine::AccountId> TraderAccount(const engine::Input& input) {
  if (const auto* order = std::get_if<engine::PlaceOrder>(&input)) return order->account;
  if (const auto* cancel = std::get_if<engine::CancelOrder>(&input)) return cancel->account;
  if (const auto* deposit = std::get_if<engine::Deposit>(&input)) return deposit->account;
  if (const auto* withdraw = std::get_if<engine::Withdraw>(&input)) return withdraw->account;
  return std::nullopt;
}

bool OperatorInput(const engine::Input& input) {
  return std::holds_alternative<engine::ListMarket>(input) ||
         std::holds_alternative<engine::ChangeMarket>(input) ||
         std::holds_alternative<engine::OpenAccount>(input) ||
         std::holds_alternative<engine::SetMark>(input) ||
         std::holds_alternative<engine::FundingTick>(input) ||
         std::holds_alternative<engine::TopUpInsurance>(input);
}

}  // namespace

std::string Authorize(const ClientEntry& client, const engine::Input& input,
                      bool* account_refusal) {
  *account_refusal = false;
  if (std::holds_alternative<engine::RotateKey>(input)) {
    return "key rotation is not accepted over the network (use the CLI on the server)";
  }
  switch (client.role) {
    case Role::kAuditor:
      return "an auditor is read-only";
    case Role::kOperator:
      if (OperatorInput(input)) return "";
      return "an operator does not place orders or move a trader's money";
    case Role::kTrader: {
      const std::optional<engine::AccountId> account = TraderAccount(input);
      if (!account) return "a trader may only place or cancel orders, deposit and withdraw";
      if (std::binary_search(client.accounts.begin(), client.accounts.end(), *account)) {
        return "";
      }
      *account_refusal = true;
      return fmt::format("account {} is not one of {}'s accounts", *account, client.name);
    }
  }
  return "unknown role";
}

}  // namespace server
