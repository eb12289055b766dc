// Finding byte ranges of a file that overlap: writers of zip archives and tensor bundles give each
// entry its own bytes, and entries sharing bytes would make one stretch be read (inflated,
// checksummed, copied) once per entry.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace nnload {

template <class Tag>
struct TaggedRange {
  std::uint64_t begin = 0;
  std::uint64_t size = 0;  // empty ranges overlap nothing
  Tag tag;
};

// The tags of two ranges that share a byte (the first such neighbours in order of `begin`), or
// std::nullopt when none do.
template <class Tag>
std::optional<std::pair<Tag, Tag>> first_overlap(std::vector<TaggedRange<Tag>> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const TaggedRange<Tag>& a, const TaggedRange<Tag>& b) { return a.begin < b.begin; });
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    const TaggedRange<Tag>& before = ranges[i - 1];
    if (ranges[i].begin - before.begin < before.size) return std::pair{before.tag, ranges[i].tag};
  }
  return std::nullopt;
}

}  // namespace nnload
