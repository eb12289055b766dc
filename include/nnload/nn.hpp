// nnload::nn: C++ modules with PyTorch's names and state_dict layout, and the tensor functions
// their forward() calls. See nnload/nn/module.hpp for the pattern.
#pragma once

#include "nnload/functional.hpp"
#include "nnload/nn/activation.hpp"
#include "nnload/nn/basic.hpp"
#include "nnload/nn/container.hpp"
#include "nnload/nn/conv.hpp"
#include "nnload/nn/embedding.hpp"
#include "nnload/nn/linear.hpp"
#include "nnload/nn/module.hpp"
#include "nnload/nn/norm.hpp"
#include "nnload/nn/pool.hpp"
#include "nnload/nn/rnn.hpp"
#include "nnload/tensor.hpp"
