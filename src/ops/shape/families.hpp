// The shape family's files each contribute rows; table.cpp concatenates them.
#pragma once

#include "ops/op.hpp"

namespace nnload::ops {

OpTable reshape_family_ops();    // reshape_family.cpp
OpTable transpose_family_ops();  // transpose_family.cpp
OpTable concat_split_ops();      // concat_split.cpp
OpTable slice_ops();             // slice.cpp
OpTable pad_ops();               // pad.cpp
OpTable expand_tile_ops();       // expand_tile.cpp
OpTable constant_family_ops();   // constant_family.cpp
OpTable dropout_ops();           // dropout.cpp

}  // namespace nnload::ops
