// The domain tag and the chain hash of the record format (docs/formats/event_log.md).
#include "ledger/record.h"

#include <cstring>

namespace ledger {

DomainTag MakeDomainTag(const ChainId& chain_id) {
  DomainTag tag{};
  std::memcpy(tag.data(), kDomainTagPrefix.data(), kDomainTagPrefix.size());
  std::memcpy(tag.data() + kDomainTagPrefix.size(), chain_id.data(), chain_id.size());
  return tag;
}

Hash ChainHash(base::Sha256& sha, const DomainTag& tag, const Hash& prev_hash, SequenceNumber seq,
               std::span<const uint8_t> envelope_bytes) {
  BACKSTOP_ASSERT(seq >= SequenceNumber{1}, seq);
  std::array<uint8_t, kDomainTagBytes + kHashBytes + 8> prefix;
  std::memcpy(prefix.data(), tag.data(), kDomainTagBytes);
  std::memcpy(prefix.data() + kDomainTagBytes, prev_hash.data(), kHashBytes);
  for (int i = 0; i < 8; ++i) {
    prefix[kDomainTagBytes + kHashBytes + i] = static_cast<uint8_t>(seq.value() >> (56 - 8 * i));
  }
  sha.Reset();
  sha.Update(prefix);
  sha.Update(envelope_bytes);
  return sha.Finish();
}

}  // namespace ledger
