// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the storage checksum of snapshot
// files. Table-driven, no dependency. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>

namespace snapshots::internal {

// CRC-32C of `bytes` (initial value and final xor 0xFFFFFFFF, as in iSCSI and LevelDB).
// Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(std::span<const uint8_t> bytes);

// The CRC-32C of A || B, given crc = Crc32c(A).
uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> bytes);

}  // namespace snapshots::internal
