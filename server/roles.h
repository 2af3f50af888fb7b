// Who may do what on `backstop serve`: the roles file the operator edits (docs/PROTOCOL.md),
// mapping a client certificate (its subject, or the SHA-256 fingerprint of its DER bytes) to a
// role and, for traders, the accounts it acts for. Value types; Roles is immutable once loaded
// and safe to share across threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/events.h"

namespace server {

enum class Role : uint8_t {
  kTrader = 0,    // Orders and cancels; deposits and withdrawals; only for its own accounts.
  kOperator = 1,  // Markets, accounts, marks, funding ticks, insurance top-ups, snapshots.
  kAuditor = 2,   // Read-only: checkpoints.
};
inline constexpr int kRoleCount = 3;
// "trader", "operator", "auditor".
const char* RoleName(Role role);

// One client of the roles file.
struct ClientEntry {
  std::string name;            // Unique: logs, metrics, and the principal recorded with commands.
  Role role = Role::kAuditor;  //
  std::string subject;         // RFC 2253 subject ("CN=alice,O=Venue"), or empty.
  std::string sha256;          // Fingerprint, 64 lowercase hex digits, or empty.
  std::vector<engine::AccountId> accounts;  // A trader's accounts (sorted).
};

class Roles {
 public:
  // Parses a roles file (JSON, docs/PROTOCOL.md). InvalidArgument naming the entry on any
  // problem: an unknown role or key, an entry with neither subject nor sha256, a fingerprint
  // that is not 64 hex digits, the same subject or fingerprint twice.
  static base::Result<Roles> Parse(std::string_view json);
  // Reads and parses `path`. IOError if it cannot be read.
  static base::Result<Roles> Load(const std::string& path);

  // The entry for a certificate: a fingerprint match first, then a subject match. Null if none.
  const ClientEntry* Find(std::string_view subject, std::string_view sha256_hex) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<ClientEntry> entries_;
};

// Why `client` may not submit `input`, or an empty string if it may. `*account_refusal` is set
// when the role may send this kind of input but not for the account it names.
std::string Authorize(const ClientEntry& client, const engine::Input& input, bool* account_refusal);

}  // namespace server
