// The recurrent family's files each contribute rows; table.cpp concatenates them.
#pragma once

#include "ops/op.hpp"

namespace nnload::ops::rnn {

OpTable simple_rnn_ops();  // simple_rnn.cpp: RNN
OpTable gru_ops();         // gru.cpp
OpTable lstm_ops();        // lstm.cpp
OpTable conv_lstm_ops();   // conv_lstm.cpp: nnload ConvLSTM (Keras ConvLSTM1D/2D/3D)

}  // namespace nnload::ops::rnn
