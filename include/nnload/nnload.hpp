// nnload: load a saved neural-network model and run it, without the framework that trained it.
#pragma once

#include "nnload/dtype.hpp"
#include "nnload/error.hpp"
#include "nnload/model.hpp"
#include "nnload/tensor.hpp"
