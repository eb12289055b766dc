// Signature conversion on small SavedModels built here (written to a TempDir, loaded through
// the public API): references, function inlining, pruning, control edges, and the errors.
#include "formats/savedmodel/graph_converter.hpp"

#include <gtest/gtest.h>

#include "formats/savedmodel/load_savedmodel.hpp"
#include "formats/savedmodel/savedmodel_test_util.hpp"
#include "nnload/model.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::formats::savedmodel {
namespace {

using testing::code_of;
using testing::make;
using testing::message_of;

tf::AttrValue type_attr(tf::DataType t) {
  tf::AttrValue a;
  a.set_type(t);
  return a;
}

tf::NodeDef* add_node(google::protobuf::RepeatedPtrField<tf::NodeDef>* nodes,
                      const std::string& name, const std::string& op,
                      std::vector<std::string> inputs) {
  tf::NodeDef* n = nodes->Add();
  n->set_name(name);
  n->set_op(op);
  for (auto& i : inputs) n->add_input(i);
  if (op != "NoOp" && op != "Const" && op != "Placeholder")
    (*n->mutable_attr())["T"] = type_attr(tf::DT_FLOAT);
  return n;
}

void set_float_const(tf::NodeDef* n, float value) {
  (*n->mutable_attr())["dtype"] = type_attr(tf::DT_FLOAT);
  tf::TensorProto* t = (*n->mutable_attr())["value"].mutable_tensor();
  t->set_dtype(tf::DT_FLOAT);
  t->add_float_val(value);
}

void set_placeholder(tf::NodeDef* n) {
  (*n->mutable_attr())["dtype"] = type_attr(tf::DT_FLOAT);
  (*n->mutable_attr())["shape"].mutable_shape()->add_dim()->set_size(-1);
}

tf::FunctionDef* add_function(tf::MetaGraphDef& meta, const std::string& name,
                              std::vector<std::string> inputs, std::vector<std::string> outputs) {
  tf::FunctionDef* f = meta.mutable_graph_def()->mutable_library()->add_function();
  f->mutable_signature()->set_name(name);
  for (auto& i : inputs) {
    auto* a = f->mutable_signature()->add_input_arg();
    a->set_name(i);
    a->set_type(tf::DT_FLOAT);
  }
  for (auto& o : outputs) {
    auto* a = f->mutable_signature()->add_output_arg();
    a->set_name(o);
    a->set_type(tf::DT_FLOAT);
  }
  return f;
}

void add_signature(tf::MetaGraphDef& meta, const std::string& name,
                   std::vector<std::pair<std::string, std::string>> inputs,
                   std::vector<std::pair<std::string, std::string>> outputs) {
  tf::SignatureDef& sig = (*meta.mutable_signature_def())[name];
  sig.set_method_name("tensorflow/serving/predict");
  for (auto& [key, tensor] : inputs) {
    tf::TensorInfo& t = (*sig.mutable_inputs())[key];
    t.set_name(tensor);
    t.set_dtype(tf::DT_FLOAT);
    t.mutable_tensor_shape()->add_dim()->set_size(-1);
  }
  for (auto& [key, tensor] : outputs) {
    tf::TensorInfo& t = (*sig.mutable_outputs())[key];
    t.set_name(tensor);
    t.set_dtype(tf::DT_FLOAT);
    t.mutable_tensor_shape()->add_dim()->set_size(-1);
  }
}

// A SavedModel with one meta graph tagged "serve": x (placeholder) -> outer(x) =
// inner(inner(2x)) with inner(b) = relu(b + 1), called by PartitionedCall and by op name.
struct Fixture {
  tf::SavedModel model;
  tf::MetaGraphDef& meta() { return *model.mutable_meta_graphs(0); }

  Fixture() {
    tf::MetaGraphDef* m = model.add_meta_graphs();
    m->mutable_meta_info_def()->add_tags("serve");
    m->mutable_meta_info_def()->set_tensorflow_version("test");
    auto* nodes = m->mutable_graph_def()->mutable_node();
    set_placeholder(add_node(nodes, "x", "Placeholder", {}));
    tf::NodeDef* call = add_node(nodes, "call", "StatefulPartitionedCall", {"x"});
    (*call->mutable_attr())["f"].mutable_func()->set_name("outer");
    add_node(nodes, "out", "Identity", {"call:0", "^unrelated"});
    add_node(nodes, "unrelated", "Frobnicate", {"x"});

    tf::FunctionDef* outer = add_function(*m, "outer", {"a"}, {"y"});
    auto* on = outer->mutable_node_def();
    tf::NodeDef* two = add_node(on, "two", "Const", {});
    set_float_const(two, 2.0f);
    add_node(on, "mul", "Mul", {"a", "two:output:0"});
    tf::NodeDef* inner_call = add_node(on, "inner_call", "PartitionedCall", {"mul:z:0"});
    (*inner_call->mutable_attr())["f"].mutable_func()->set_name("inner");
    add_node(on, "direct", "inner", {"inner_call:output:0"});
    add_node(on, "pair", "IdentityN", {"direct:r:0", "a"});
    (*outer->mutable_ret())["y"] = "pair:output:0";

    tf::FunctionDef* inner = add_function(*m, "inner", {"b"}, {"r"});
    auto* in = inner->mutable_node_def();
    tf::NodeDef* one = add_node(in, "one", "Const", {});
    set_float_const(one, 1.0f);
    add_node(in, "add", "AddV2", {"b", "one:output:0"});
    add_node(in, "relu", "Relu", {"add:z:0"});
    (*inner->mutable_ret())["r"] = "relu:activations:0";

    // Output arg layouts, as a real stripped_op_list has them.
    auto* ops = m->mutable_meta_info_def()->mutable_stripped_op_list();
    auto op = [&](const std::string& name, std::vector<std::pair<std::string, std::string>> outs) {
      tf::OpDef* d = ops->add_op();
      d->set_name(name);
      for (auto& [arg, list] : outs) {
        auto* a = d->add_output_arg();
        a->set_name(arg);
        if (!list.empty()) a->set_type_list_attr(list);
      }
    };
    op("Const", {{"output", ""}});
    op("Mul", {{"z", ""}});
    op("AddV2", {{"z", ""}});
    op("Relu", {{"activations", ""}});
    op("IdentityN", {{"output", "T"}});
    op("PartitionedCall", {{"output", "Tout"}});
    op("StatefulPartitionedCall", {{"output", "Tout"}});
    add_signature(*m, "serving_default", {{"x", "x:0"}}, {{"y", "out:0"}});
  }

  std::filesystem::path write(const testing::TempDir& dir) {
    testing::write_proto(dir.path(), model);
    return dir.path();
  }
};

void set_type_list(tf::NodeDef* n, const std::string& attr, int count) {
  auto* list = (*n->mutable_attr())[attr].mutable_list();
  for (int i = 0; i < count; ++i) list->add_type(tf::DT_FLOAT);
}

tf::NodeDef* find_node(google::protobuf::RepeatedPtrField<tf::NodeDef>* nodes,
                       const std::string& name) {
  for (auto& n : *nodes)
    if (n.name() == name) return &n;
  return nullptr;
}

Fixture with_lists() {
  Fixture f;
  set_type_list(find_node(f.meta().mutable_graph_def()->mutable_node(), "call"), "Tout", 1);
  auto* outer =
      f.meta().mutable_graph_def()->mutable_library()->mutable_function(0)->mutable_node_def();
  set_type_list(find_node(outer, "inner_call"), "Tout", 1);
  set_type_list(find_node(outer, "pair"), "T", 2);
  return f;
}

TEST(SavedModelConverter, InlinesNestedFunctionsAndResolvesOutputArgs) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  const Model model = load(f.write(tmp));
  const Tensor x = make<float>({-3, -1, 0, 2}, {4});
  const auto out = model.signature("serving_default").run({{"x", x}});
  // inner applied twice: relu(relu(2x + 1) + 1)
  EXPECT_TRUE(testing::tensors_close(out.at("y"), make<float>({1, 1, 2, 6}, {4})));
}

TEST(SavedModelConverter, PrunesAndIgnoresControlEdges) {
  // "unrelated" (an op nnload lacks) feeds "out" only through a control edge: not converted.
  testing::TempDir tmp;
  Fixture f = with_lists();
  const Model model = load(f.write(tmp));
  EXPECT_TRUE(model.can_predict());
}

TEST(SavedModelConverter, IdentityNPicksTheRightElement) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  auto* outer = f.meta().mutable_graph_def()->mutable_library()->mutable_function(0);
  (*outer->mutable_ret())["y"] = "pair:output:1";  // the function's input, passed through
  const Model model = load(f.write(tmp));
  const auto out = model.signature("serving_default").run({{"x", make<float>({-3, 4}, {2})}});
  EXPECT_TRUE(testing::tensors_close(out.at("y"), make<float>({-3, 4}, {2})));
}

TEST(SavedModelConverter, OutputArgIndexBeyondItsLengthIsCorrupt) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  auto* outer = f.meta().mutable_graph_def()->mutable_library()->mutable_function(0);
  (*outer->mutable_ret())["y"] = "pair:output:2";
  const Model model = load(f.write(tmp));
  const auto run = [&] { model.signature("serving_default").run({{"x", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(run), ErrorCode::corrupt);
  EXPECT_NE(message_of(run).find("output 'output' has 2 element(s), 3 wanted"), std::string::npos)
      << message_of(run);
}

TEST(SavedModelConverter, UnsupportedOpNamesOpNodeAndFunction) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  auto* inner = f.meta().mutable_graph_def()->mutable_library()->mutable_function(1);
  find_node(inner->mutable_node_def(), "relu")->set_op("Frobnicate");
  const Model model = load(f.write(tmp));  // loads: the signature keeps its error
  EXPECT_FALSE(model.can_predict());
  const auto run = [&] { model.signature("serving_default").run({{"x", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(run), ErrorCode::unsupported);
  const std::string msg = message_of(run);
  EXPECT_NE(msg.find("op 'Frobnicate' (node 'relu' in function 'inner') is not supported; "
                     "supported TF ops: "),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("signature 'serving_default'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("MatMul"), std::string::npos) << msg;
  const auto predict = [&] { model.predict({make<float>({1}, {1})}); };
  EXPECT_EQ(code_of(predict), ErrorCode::unsupported);
  EXPECT_NE(message_of(predict).find("Frobnicate"), std::string::npos);
}

TEST(SavedModelConverter, RecursiveFunctionIsAnError) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  auto* inner = f.meta().mutable_graph_def()->mutable_library()->mutable_function(1);
  find_node(inner->mutable_node_def(), "relu")->set_op("outer");
  const Model model = load(f.write(tmp));
  const auto run = [&] { model.signature("serving_default").run({{"x", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(run), ErrorCode::unsupported);
  EXPECT_NE(message_of(run).find("calls function 'outer' recursively"), std::string::npos)
      << message_of(run);
}

// deep_i(v) = deep_{i+1}(v) + deep_{i+1}(v), called by op name, down to deep_<levels>(v) =
// relu(v); inner's relu becomes a call of deep_0. Inlined call by call, 40 levels would be 2^40
// copies of the functions from a file of a few kB.
Fixture with_doubling_calls(int levels) {
  Fixture f = with_lists();
  tf::MetaGraphDef& m = f.meta();
  tf::FunctionDef* inner = m.mutable_graph_def()->mutable_library()->mutable_function(1);
  find_node(inner->mutable_node_def(), "relu")->set_op("deep_0");
  (*inner->mutable_ret())["r"] = "relu:r:0";
  for (int i = 0; i <= levels; ++i) {
    tf::FunctionDef* deep = add_function(m, "deep_" + std::to_string(i), {"v"}, {"r"});
    auto* nodes = deep->mutable_node_def();
    if (i == levels) {
      add_node(nodes, "relu", "Relu", {"v"});
      (*deep->mutable_ret())["r"] = "relu:activations:0";
      continue;
    }
    const std::string next = "deep_" + std::to_string(i + 1);
    add_node(nodes, "left", next, {"v"});
    add_node(nodes, "right", next, {"v"});
    add_node(nodes, "sum", "AddV2", {"left:r:0", "right:r:0"});
    (*deep->mutable_ret())["r"] = "sum:z:0";
  }
  return f;
}

TEST(SavedModelConverter, FunctionsCallingFunctionsManyTimesOverAreBounded) {
  testing::TempDir tmp;
  // A few levels inline and compute: each level doubles relu(2x + 1) (inner's first call).
  {
    Fixture f = with_doubling_calls(3);
    const Model model = load(f.write(tmp));
    const auto out = model.signature("serving_default").run({{"x", make<float>({1}, {1})}});
    // inner(b) = 8 relu(b + 1), applied twice to 2x = 2: 8 * (8 * 3 + 1).
    EXPECT_TRUE(testing::tensors_close(out.at("y"), make<float>({200}, {1})));
  }
  Fixture f = with_doubling_calls(40);
  const Model model = load(f.write(tmp));
  const auto run = [&] { model.signature("serving_default").run({{"x", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(run), ErrorCode::corrupt);
  EXPECT_NE(message_of(run).find("inlining function calls makes more than"), std::string::npos)
      << message_of(run);
}

TEST(SavedModelConverter, CycleIsAnError) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  auto* nodes = f.meta().mutable_graph_def()->mutable_node();
  add_node(nodes, "p", "AddV2", {"x", "q"});
  add_node(nodes, "q", "AddV2", {"p", "x"});
  add_signature(f.meta(), "loop", {{"x", "x:0"}}, {{"y", "q:0"}});
  const Model model = load(f.write(tmp));
  const auto run = [&] { model.signature("loop").run({{"x", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(run), ErrorCode::unsupported);
  EXPECT_NE(message_of(run).find("cycle"), std::string::npos) << message_of(run);
  EXPECT_TRUE(model.can_predict());  // serving_default is unaffected
}

TEST(SavedModelConverter, FeedsCutTheGraphAtAnyTensor) {
  // Like TF1 signatures whose input is an Identity after ParseExample: feeding "mid:0" means
  // nothing upstream of it is converted.
  testing::TempDir tmp;
  Fixture f = with_lists();
  auto* nodes = f.meta().mutable_graph_def()->mutable_node();
  add_node(nodes, "parse", "ParseExample", {"x"});
  add_node(nodes, "mid", "Identity", {"parse:1"});
  tf::NodeDef* three = add_node(nodes, "three", "Const", {});
  set_float_const(three, 3.0f);
  add_node(nodes, "res", "Mul", {"mid", "three"});
  add_signature(f.meta(), "fed", {{"v", "mid:0"}}, {{"w", "res:0"}});
  const Model model = load(f.write(tmp));
  const auto out = model.signature("fed").run({{"v", make<float>({1, 2}, {2})}});
  EXPECT_TRUE(testing::tensors_close(out.at("w"), make<float>({3, 6}, {2})));
}

TEST(SavedModelConverter, PlaceholderWithDefaultAndUnfedPlaceholder) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  auto* nodes = f.meta().mutable_graph_def()->mutable_node();
  tf::NodeDef* d = add_node(nodes, "dflt", "Const", {});
  set_float_const(d, 5.0f);
  add_node(nodes, "pwd", "PlaceholderWithDefault", {"dflt"});
  add_node(nodes, "sum", "AddV2", {"x", "pwd"});
  add_signature(f.meta(), "with_default", {{"x", "x:0"}}, {{"s", "sum:0"}});
  set_placeholder(add_node(nodes, "other", "Placeholder", {}));
  add_node(nodes, "sum2", "AddV2", {"x", "other"});
  add_signature(f.meta(), "unfed", {{"x", "x:0"}}, {{"s", "sum2:0"}});
  const Model model = load(f.write(tmp));
  const auto out = model.signature("with_default").run({{"x", make<float>({1}, {1})}});
  EXPECT_TRUE(testing::tensors_close(out.at("s"), make<float>({6}, {1})));
  const auto run = [&] { model.signature("unfed").run({{"x", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(run), ErrorCode::corrupt);
  EXPECT_NE(message_of(run).find("node 'other' (Placeholder)"), std::string::npos)
      << message_of(run);
}

TEST(SavedModelConverter, OutputsThatAreInputsOrRepeatedGetTheirOwnValues) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  add_signature(f.meta(), "echo", {{"x", "x:0"}}, {{"a", "x:0"}, {"b", "out:0"}, {"c", "out:0"}});
  const Model model = load(f.write(tmp));
  const auto out = model.signature("echo").run({{"x", make<float>({1, -1}, {2})}});
  EXPECT_TRUE(testing::tensors_close(out.at("a"), make<float>({1, -1}, {2})));
  EXPECT_TRUE(testing::tensors_close(out.at("b"), make<float>({4, 1}, {2})));
  EXPECT_TRUE(testing::tensors_close(out.at("c"), make<float>({4, 1}, {2})));
}

TEST(SavedModelConverter, MissingNodeAndMalformedReferenceAreCorrupt) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  auto* nodes = f.meta().mutable_graph_def()->mutable_node();
  add_node(nodes, "bad", "AddV2", {"x", "nowhere:0"});
  add_node(nodes, "worse", "AddV2", {"x", "x:zero"});
  add_signature(f.meta(), "missing", {{"x", "x:0"}}, {{"y", "bad:0"}});
  add_signature(f.meta(), "malformed", {{"x", "x:0"}}, {{"y", "worse:0"}});
  add_signature(f.meta(), "no_input_node", {{"x", "ghost:0"}}, {{"y", "out:0"}});
  const Model model = load(f.write(tmp));
  for (const char* name : {"missing", "malformed", "no_input_node"}) {
    EXPECT_EQ(code_of([&] {
                model.signature(name).run({{"x", make<float>({1}, {1})}});
              }),
              ErrorCode::corrupt)
        << name;
  }
}

TEST(SavedModelConverter, OpSignaturesFlatIndex) {
  tf::OpList ops;
  tf::OpDef* op = ops.add_op();
  op->set_name("Multi");
  auto* first = op->add_output_arg();
  first->set_name("parts");
  first->set_number_attr("N");
  auto* second = op->add_output_arg();
  second->set_name("rest");
  second->set_type_list_attr("Tr");
  auto* third = op->add_output_arg();
  third->set_name("last");
  const OpSignatures sigs(ops, tf::FunctionDefLibrary());
  tf::NodeDef node;
  node.set_name("m");
  node.set_op("Multi");
  (*node.mutable_attr())["N"].set_i(3);
  set_type_list(&node, "Tr", 2);
  const OpDefaults defaults;
  const auto flat = [&](const std::string& ref) {
    return sigs.flat_index(node, parse_tensor_ref(ref, "test"), defaults);
  };
  EXPECT_EQ(flat("m:parts:0"), 0);
  EXPECT_EQ(flat("m:parts:2"), 2);
  EXPECT_EQ(flat("m:rest:1"), 4);
  EXPECT_EQ(flat("m:last:0"), 5);
  EXPECT_EQ(flat("m:4"), 4);  // graph-style references are flat already
  EXPECT_EQ(code_of([&] { flat("m:last:1"); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([&] { flat("m:nothing:0"); }), ErrorCode::corrupt);
}

TEST(SavedModelConverter, TensorRefParsing) {
  const TensorRef a = parse_tensor_ref("^dep", "t");
  EXPECT_TRUE(a.control);
  EXPECT_EQ(a.node, "dep");
  const TensorRef b = parse_tensor_ref("n:out:3", "t");
  EXPECT_EQ(b.node, "n");
  EXPECT_EQ(b.out_arg, "out");
  EXPECT_EQ(b.index, 3);
  const TensorRef c = parse_tensor_ref("scope/n:1", "t");
  EXPECT_EQ(c.node, "scope/n");
  EXPECT_TRUE(c.out_arg.empty());
  EXPECT_EQ(c.index, 1);
  for (const char* bad : {"", "n:", "n:-1", ":0", "n::0", "n:x:y", "n:1:"})
    EXPECT_EQ(code_of([&] { parse_tensor_ref(bad, "t"); }), ErrorCode::corrupt) << bad;
}

TEST(SavedModelConverter, WrongInputKeyDtypeShape) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  (*f.meta().mutable_signature_def())["serving_default"]
      .mutable_inputs()
      ->at("x")
      .mutable_tensor_shape()
      ->add_dim()
      ->set_size(2);  // [-1, 2]
  const Model model = load(f.write(tmp));
  const Signature sig = model.signature("serving_default");
  const auto wrong_key = [&] { sig.run({{"z", make<float>({1, 2}, {1, 2})}}); };
  EXPECT_EQ(code_of(wrong_key), ErrorCode::not_found);
  EXPECT_NE(message_of(wrong_key).find("'x'"), std::string::npos) << message_of(wrong_key);
  const auto extra_key = [&] {
    sig.run({{"x", make<float>({1, 2}, {1, 2})}, {"z", make<float>({1}, {1})}});
  };
  EXPECT_EQ(code_of(extra_key), ErrorCode::not_found);
  const auto wrong_dtype = [&] { sig.run({{"x", make<std::int32_t>({1, 2}, {1, 2})}}); };
  EXPECT_EQ(code_of(wrong_dtype), ErrorCode::shape);
  EXPECT_NE(message_of(wrong_dtype).find("must be float32, got int32"), std::string::npos)
      << message_of(wrong_dtype);
  const auto wrong_shape = [&] { sig.run({{"x", make<float>({1, 2, 3}, {1, 3})}}); };
  EXPECT_EQ(code_of(wrong_shape), ErrorCode::shape);
  EXPECT_NE(message_of(wrong_shape).find("must have shape (None, 2), got (1, 3)"),
            std::string::npos)
      << message_of(wrong_shape);
  const auto ok = sig.run({{"x", make<float>({1, 2, 3, 4}, {2, 2})}});
  EXPECT_EQ(ok.at("y").shape(), (Shape{2, 2}));
}

TEST(SavedModelConverter, UnknownSignatureListsTheNames) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  const Model model = load(f.write(tmp));
  const auto get = [&] { model.signature("serving"); };
  EXPECT_EQ(code_of(get), ErrorCode::not_found);
  EXPECT_NE(message_of(get).find("serving_default"), std::string::npos) << message_of(get);
}

TEST(SavedModelConverter, NoRunnableSignatureExplainsWhy) {
  testing::TempDir tmp;
  Fixture f = with_lists();
  f.meta().mutable_signature_def()->erase("serving_default");
  add_signature(f.meta(), "broken", {{"x", "x:0"}}, {{"y", "unrelated:0"}});
  const Model model = load(f.write(tmp));
  EXPECT_FALSE(model.can_predict());
  const auto predict = [&] { model.predict({make<float>({1}, {1})}); };
  EXPECT_EQ(code_of(predict), ErrorCode::unsupported);
  EXPECT_NE(message_of(predict).find("Frobnicate"), std::string::npos) << message_of(predict);

  f.meta().mutable_signature_def()->clear();
  testing::TempDir tmp2;
  const Model none = load(f.write(tmp2));
  EXPECT_TRUE(none.signatures().empty());
  EXPECT_EQ(code_of([&] { none.predict({make<float>({1}, {1})}); }), ErrorCode::not_found);
}

}  // namespace
}  // namespace nnload::formats::savedmodel
