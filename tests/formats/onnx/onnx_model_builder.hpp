// Building small ONNX models in tests with nnload's own generated ONNX messages, so reader
// behaviour (and every damaged-file path) is tested without files from elsewhere.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "onnx.pb.h"

namespace nnload::testing::onnx_build {

namespace pb = ::nnload::onnx;

inline pb::ModelProto model(int opset = 17) {
  pb::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("nnload-tests");
  m.set_producer_version("1");
  pb::OperatorSetIdProto* id = m.add_opset_import();
  id->set_version(opset);
  m.mutable_graph()->set_name("test_graph");
  return m;
}

inline void set_type(pb::ValueInfoProto* v, const std::string& name, int elem_type,
                     const std::vector<std::int64_t>& dims) {
  v->set_name(name);
  pb::TypeProto::Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  pb::TensorShapeProto* shape = t->mutable_shape();
  for (std::int64_t d : dims) {
    if (d < 0) {
      shape->add_dim()->set_dim_param("N");
    } else {
      shape->add_dim()->set_dim_value(d);
    }
  }
}

inline void add_input(pb::GraphProto* g, const std::string& name, std::vector<std::int64_t> dims,
                      int elem_type = pb::TensorProto::FLOAT) {
  set_type(g->add_input(), name, elem_type, dims);
}

inline void add_output(pb::GraphProto* g, const std::string& name,
                       std::vector<std::int64_t> dims = {},
                       int elem_type = pb::TensorProto::FLOAT) {
  set_type(g->add_output(), name, elem_type, dims);
}

inline pb::NodeProto* add_node(pb::GraphProto* g, const std::string& op,
                               std::vector<std::string> inputs, std::vector<std::string> outputs,
                               const std::string& name = "") {
  pb::NodeProto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const std::string& i : inputs) n->add_input(i);
  for (const std::string& o : outputs) n->add_output(o);
  return n;
}

inline pb::TensorProto* add_float_initializer(pb::GraphProto* g, const std::string& name,
                                              std::vector<std::int64_t> dims,
                                              const std::vector<float>& values) {
  pb::TensorProto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(pb::TensorProto::FLOAT);
  for (std::int64_t d : dims) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4));
  return t;
}

inline void save(const pb::ModelProto& m, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary);
  m.SerializeToOstream(&out);
}

}  // namespace nnload::testing::onnx_build
