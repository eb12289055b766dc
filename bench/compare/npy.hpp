// Minimal float32 C-order .npy read/write for the bench/compare runners (not the library's io).
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

// This process's peak resident memory in MiB: VmHWM from /proc/self/status (getrusage's
// ru_maxrss would also count what the process shared with its parent before exec).
inline double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0.0;
}

struct Array {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

inline Array read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  char magic[8];
  in.read(magic, 8);
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    uint16_t len = 0;
    in.read(reinterpret_cast<char*>(&len), 2);
    header_len = len;
  } else {
    in.read(reinterpret_cast<char*>(&header_len), 4);
  }
  std::string header(header_len, ' ');
  in.read(header.data(), header_len);
  if (header.find("'<f4'") == std::string::npos ||
      header.find("'fortran_order': True") != std::string::npos) {
    throw std::runtime_error(path + ": expected a C-order float32 .npy, header " + header);
  }
  Array a;
  const auto open = header.find("'shape': (") + 10;
  std::stringstream dims(header.substr(open, header.find(')', open) - open));
  std::string item;
  size_t n = 1;
  while (std::getline(dims, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos) continue;
    a.shape.push_back(std::stoll(item));
    n *= static_cast<size_t>(a.shape.back());
  }
  a.data.resize(n);
  in.read(reinterpret_cast<char*>(a.data.data()), static_cast<std::streamsize>(n * 4));
  if (!in) throw std::runtime_error(path + ": truncated");
  return a;
}

inline void write_npy(const std::string& path, const float* data,
                      const std::vector<int64_t>& shape) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  size_t n = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    header += std::to_string(shape[i]) + (shape.size() == 1      ? ","
                                          : i + 1 < shape.size() ? ", "
                                                                 : "");
    n *= static_cast<size_t>(shape[i]);
  }
  header += "), }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  std::ofstream out(path, std::ios::binary);
  const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.write(magic, 8);
  const auto len = static_cast<uint16_t>(header.size());
  out.write(reinterpret_cast<const char*>(&len), 2);
  out << header;
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * 4));
}

}  // namespace bench
