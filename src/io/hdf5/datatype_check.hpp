// Our own check of an HDF5 datatype message (a dataset's, or the one inside an attribute message)
// before libhdf5 decodes it. libhdf5 1.10.8 trusts some sizes a message states: an enum larger
// than its base type makes it copy past its value table (a heap overflow in our fuzz tests).
#pragma once

#include "io/byte_reader.hpp"

namespace nnload::io::hdf5 {

// Reads one datatype message from `r` (recursing into compound members, enum, array and
// variable-length base types) and checks that it fits the bytes given and is self-consistent:
// an enum's size equals its base type's, an array's size is its base size times its element
// count, compound members lie inside the compound. Error(corrupt) naming the offset otherwise.
void check_datatype(ByteReader& r, int depth = 0);

}  // namespace nnload::io::hdf5
