// Helpers for the io tests: a tiny hand-rolled zip writer for crafting archives minizip would
// never write (scratch directories and file helpers are in support/temp_files.hpp).
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/temp_files.hpp"

namespace nnload::testing {

inline std::uint32_t crc32(const std::vector<std::byte>& data) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::byte b : data) {
    c ^= std::uint8_t(b);
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

struct RawZipEntry {
  std::string name;
  std::vector<std::byte> data;
  std::size_t local_extra = 0;  // padding bytes in the local header's extra field
  // Overrides written into the central directory (to lie about the entry).
  std::int64_t declared_size = -1;
  std::int64_t declared_crc = -1;
  // >= 0: no local header or data of its own; the central record points at that earlier
  // entry's (an overlapped archive, for the tests that refuse one).
  int shares_data_of = -1;
};

// A zip of stored entries, written field by field per APPNOTE (no zip64).
inline std::vector<std::byte> make_stored_zip(const std::vector<RawZipEntry>& entries) {
  std::vector<std::byte> out, central;
  const auto put = [](std::vector<std::byte>& v, std::uint64_t value, int n) {
    for (int i = 0; i < n; ++i) v.push_back(std::byte((value >> (8 * i)) & 0xff));
  };
  std::vector<std::uint64_t> offsets;
  for (const RawZipEntry& e : entries) {
    const bool shared = e.shares_data_of >= 0;
    const std::uint64_t offset =
        shared ? offsets.at(static_cast<std::size_t>(e.shares_data_of)) : out.size();
    offsets.push_back(offset);
    const std::uint32_t crc =
        e.declared_crc >= 0 ? static_cast<std::uint32_t>(e.declared_crc) : crc32(e.data);
    const std::uint64_t size =
        e.declared_size >= 0 ? static_cast<std::uint64_t>(e.declared_size) : e.data.size();
    std::vector<std::byte> local;
    std::vector<std::byte>& out_local = shared ? local : out;  // shared: written nowhere
    put(out_local, 0x04034b50, 4);
    put(out_local, 20, 2);
    put(out_local, 0, 2);  // flags
    put(out_local, 0, 2);  // stored
    put(out_local, 0, 2);
    put(out_local, 0x21, 2);
    put(out_local, crc, 4);
    put(out_local, size, 4);
    put(out_local, size, 4);
    put(out_local, e.name.size(), 2);
    put(out_local, e.local_extra, 2);
    for (char c : e.name) out_local.push_back(std::byte(c));
    if (e.local_extra >= 4) {
      put(out_local, 0x4e4e, 2);
      put(out_local, e.local_extra - 4, 2);
      out_local.insert(out_local.end(), e.local_extra - 4, std::byte{0});
    } else {
      out_local.insert(out_local.end(), e.local_extra, std::byte{0});
    }
    out_local.insert(out_local.end(), e.data.begin(), e.data.end());
    put(central, 0x02014b50, 4);
    put(central, 20, 2);
    put(central, 20, 2);
    put(central, 0, 2);
    put(central, 0, 2);
    put(central, 0, 2);
    put(central, 0x21, 2);
    put(central, crc, 4);
    put(central, size, 4);
    put(central, size, 4);
    put(central, e.name.size(), 2);
    put(central, 0, 2);  // extra
    put(central, 0, 2);  // comment
    put(central, 0, 2);  // disk
    put(central, 0, 2);  // internal attributes
    put(central, 0, 4);  // external attributes
    put(central, offset, 4);
    for (char c : e.name) central.push_back(std::byte(c));
  }
  const std::uint64_t central_offset = out.size();
  out.insert(out.end(), central.begin(), central.end());
  put(out, 0x06054b50, 4);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, entries.size(), 2);
  put(out, entries.size(), 2);
  put(out, central.size(), 4);
  put(out, central_offset, 4);
  put(out, 0, 2);
  return out;
}

}  // namespace nnload::testing
