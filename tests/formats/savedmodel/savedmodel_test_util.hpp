// Helpers for the SavedModel tests: the real fixtures, damaged copies of them in a TempDir, and
// rewriting a bundle index with LevelDB's own table builder.
#pragma once

#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>
#include <leveldb/table_builder.h>

#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "saved_model.pb.h"
#include "support/fixtures.hpp"
#include "support/temp_files.hpp"

namespace nnload::testing {

inline std::filesystem::path savedmodel_fixture(const std::string& name) {
  return shared_fixtures() / "real" / "savedmodel" / name;
}

// A copy of fixture `name` at dir/name.
inline std::filesystem::path copy_fixture(const std::string& name, const TempDir& dir) {
  const std::filesystem::path to = dir / name;
  std::filesystem::copy(savedmodel_fixture(name), to, std::filesystem::copy_options::recursive);
  return to;
}

inline nnload::tf::SavedModel read_proto(const std::filesystem::path& dir) {
  nnload::tf::SavedModel model;
  const std::vector<std::byte> bytes = read_bytes(dir / "saved_model.pb");
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw std::runtime_error("test: saved_model.pb does not parse");
  return model;
}

inline void write_proto(const std::filesystem::path& dir, const nnload::tf::SavedModel& model) {
  write_bytes(dir / "saved_model.pb", to_bytes(model.SerializeAsString()));
}

// Every row of a LevelDB table file (the bundle index), header included.
inline std::map<std::string, std::string> read_table(const std::filesystem::path& path) {
  leveldb::Env* env = leveldb::Env::Default();
  leveldb::RandomAccessFile* raw_file = nullptr;
  if (!env->NewRandomAccessFile(path.string(), &raw_file).ok())
    throw std::runtime_error("test: cannot open " + path.string());
  std::unique_ptr<leveldb::RandomAccessFile> file(raw_file);
  std::uint64_t size = 0;
  if (!env->GetFileSize(path.string(), &size).ok()) throw std::runtime_error("test: no size");
  leveldb::Table* raw_table = nullptr;
  if (!leveldb::Table::Open(leveldb::Options(), file.get(), size, &raw_table).ok())
    throw std::runtime_error("test: not a table: " + path.string());
  std::unique_ptr<leveldb::Table> table(raw_table);
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(leveldb::ReadOptions()));
  std::map<std::string, std::string> rows;
  for (it->SeekToFirst(); it->Valid(); it->Next())
    rows[it->key().ToString()] = it->value().ToString();
  return rows;
}

// Writes `rows` as a LevelDB table (uncompressed, like TensorFlow's bundle writer).
inline void write_table(const std::filesystem::path& path,
                        const std::map<std::string, std::string>& rows) {
  std::filesystem::remove(path);
  leveldb::WritableFile* raw_file = nullptr;
  if (!leveldb::Env::Default()->NewWritableFile(path.string(), &raw_file).ok())
    throw std::runtime_error("test: cannot write " + path.string());
  std::unique_ptr<leveldb::WritableFile> file(raw_file);
  leveldb::Options options;
  options.compression = leveldb::kNoCompression;
  leveldb::TableBuilder builder(options, file.get());
  for (const auto& [key, value] : rows) builder.Add(key, value);
  if (!builder.Finish().ok() || !file->Close().ok())
    throw std::runtime_error("test: cannot finish " + path.string());
}

}  // namespace nnload::testing
