// The rows of a tensor bundle's index (`variables.index`): a table in LevelDB's format, which
// TensorFlow writes with its own copy of LevelDB's table builder. Read here rather than through
// libleveldb, which allocates each block at the size the file declares before it reads it (a
// damaged block handle asked for terabytes) and decodes entries from wherever a block's restart
// array points, past any check made beforehand.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>

namespace nnload::formats::savedmodel {

using IndexRows = std::map<std::string, std::string, std::less<>>;

// Every row of the table in `bytes` (the file `name`, for messages), the bundle header's (under
// the empty key) included. Each block's CRC-32C is verified. Error(corrupt) for a damaged table:
// a bad footer or magic number, a block outside the file, data blocks that overlap, an entry
// running past its block, a key listed twice, or keys and values that, decompressed from their
// shared prefixes, exceed ReadLimits::max_expansion times the file. Error(unsupported) for
// compressed blocks (TensorFlow writes none).
IndexRows read_index_rows(std::span<const std::byte> bytes, const std::string& name);

}  // namespace nnload::formats::savedmodel
