// The recurrent op family's registration rows (RNN, GRU, LSTM; nnload ConvLSTM), gathered from its
// files.
#include "ops/registry.hpp"
#include "ops/rnn/families.hpp"

namespace nnload::ops {

const OpTable& rnn_ops() {
  static const OpTable table = [] {
    OpTable all;
    for (OpTable part :
         {rnn::simple_rnn_ops(), rnn::gru_ops(), rnn::lstm_ops(), rnn::conv_lstm_ops()}) {
      for (OpDef& def : part) all.push_back(std::move(def));
    }
    return all;
  }();
  return table;
}

}  // namespace nnload::ops
