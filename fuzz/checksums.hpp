// Checksum repair for fuzz inputs. libFuzzer can't compute checksums, so without this nearly
// every mutation of a zip entry or a LevelDB block stops at the reader's checksum test and the
// code behind it is never reached. Entry points repair the input, then hand it to the reader;
// what the reader sees (and a committed regression replays) is the repaired input.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nnload::fuzz {

// A copy of a zip archive whose stored entries carry the CRC-32 of their current bytes, in the
// central directory and in the local header. Bytes that don't parse as a zip come back unchanged;
// zip64 entries and entries with data descriptors are left as they are.
std::vector<std::uint8_t> with_zip_crcs_repaired(std::span<const std::uint8_t> bytes);

// A copy of a LevelDB table (a tensor bundle's variables.index) whose blocks (data, metaindex,
// index) carry the masked CRC-32C of their current bytes. Parses the footer and the index block
// with bounds checks; anything it can't follow is left unchanged.
std::vector<std::uint8_t> with_leveldb_crcs_repaired(std::span<const std::uint8_t> bytes);

}  // namespace nnload::fuzz
