// Table-driven CRC-32C; the table is built at compile time.

#include "snapshots/internal/crc32c.h"

#include <array>

namespace snapshots::internal {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78u;  // Castagnoli, bit-reversed.

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t index = 0; index < 256; ++index) {
    uint32_t crc = index;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) != 0 ? kPolynomial : 0u);
    table[index] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();
static_assert(kTable[1] == 0xF26B8303u, "CRC-32C table");

}  // namespace

uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> bytes) {
  uint32_t state = ~crc;
  for (const uint8_t byte : bytes) state = kTable[(state ^ byte) & 0xFFu] ^ (state >> 8);
  return ~state;
}

uint32_t Crc32c(std::span<const uint8_t> bytes) { return Crc32cExtend(0, bytes); }

}  // namespace snapshots::internal
