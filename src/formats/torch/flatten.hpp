// Flattening a torch file's object tree into tensors and values named by dotted paths.
#pragma once

#include <string>
#include <vector>

#include "formats/torch/interpret.hpp"

namespace nnload::formats::torch {

struct Flattened {
  std::vector<TorchTensor> tensors;
  std::vector<TorchValue> values;
};

// Names: dict keys joined by '.', list and tuple indices as numbers, "" for the root itself.
// Tensors (and Parameters) are tensors; every other leaf a value shown as Python's repr():
// scalars, None, empty containers ("{}", "[]", "()", "OrderedDict()"), sets, torch.Size.
// An nn.Module object expands like its state_dict() (parameters, persistent buffers and
// submodules; None entries skipped; a module without any adds nothing), any other object with a
// dict state expands that state
// ("args.lr" for an argparse.Namespace), and an object with nothing to expand is the value
// "<object of class M.N>". A container reached again inside itself is the value "[...]" or
// "{...}" (with a note); a container shared by two paths appears under both.
// Error(corrupt) when nesting exceeds limits.max_depth, the expanded tree exceeds `max_entries`
// entries (containers included), or the names and value texts it makes exceed `max_text_bytes`:
// a pickle names a long string once and refers to it in two bytes, so without this bound a 30 kB
// file made 13 GB of paths (a long key at every level of a deep tree) and a 125 kB one 3.9 GB of
// values (one 64 kB string in a list 30,000 times).
Flattened flatten(const io::pickle::Value& root, Interpreter& interpreter, const ReadLimits& limits,
                  std::uint64_t max_entries, std::uint64_t max_text_bytes,
                  std::vector<std::string>& notes, const std::string& file);

// The text a dict key contributes to a path: a str as is, other keys as Python's str().
std::string key_text(const io::pickle::Value& key);

// An object's class (or callable) as "M.N": the class it was made from, looking through
// numpy's _reconstruct(cls, ...); empty when unknown.
std::string class_name(const io::pickle::Value& object);

}  // namespace nnload::formats::torch
