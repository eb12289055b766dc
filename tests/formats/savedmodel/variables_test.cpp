// How variables are bound to bundle entries, on the real TF2 and TF1 exports, and that each
// way of binding works on its own (the others removed from a copy).
#include "formats/savedmodel/variables.hpp"

#include <gtest/gtest.h>

#include "formats/savedmodel/savedmodel_test_util.hpp"
#include "nnload/model.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::formats::savedmodel {
namespace {

namespace fs = std::filesystem;
using testing::code_of;
using testing::make;
using testing::message_of;

struct Loaded {
  tf::SavedModel proto;
  TensorBundle bundle;
  VariableIndex index;
  explicit Loaded(const fs::path& dir)
      : proto(testing::read_proto(dir)),
        bundle(TensorBundle::open(dir / "variables" / "variables")),
        index(proto.meta_graphs(0), bundle) {}
};

TEST(SavedModelVariables, Tf2BindingThroughObjectGraphAndRestoreOp) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Loaded m(testing::savedmodel_fixture("int64_multiply"));
  ASSERT_NE(m.index.key_of_object(1), nullptr);
  EXPECT_EQ(*m.index.key_of_object(1), "v1/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(*m.index.key_of_object(2), "v2/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(m.index.key_of_object(0), nullptr);
  // Both variables are called "Variable" in the object graphs; the restore op tells the
  // graph's two handles apart.
  ASSERT_NE(m.index.key_of_variable("Variable", "Variable"), nullptr);
  EXPECT_EQ(*m.index.key_of_variable("Variable", "Variable"), "v1/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(*m.index.key_of_variable("Variable_1", "Variable_1"), "v2/.ATTRIBUTES/VARIABLE_VALUE");
  const std::vector<int>* bound = m.index.bound_inputs("__inference_signature_wrapper_35");
  ASSERT_NE(bound, nullptr);
  EXPECT_EQ(*bound, (std::vector<int>{1, 2}));
}

// The SavedObjectGraph and the checkpoint's object graph number their nodes the same way:
// every SavedVariable node i is bound to the bundle key of checkpoint node i, whose full_name
// is the SavedVariable's name.
TEST(SavedModelVariables, ObjectGraphsShareNodeNumbering) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  for (const char* name :
       {"tfrust_keras_single_input_saved_model", "int64_multiply", "times_three_float",
        "module_with_multiple_signatures", "uint8_multiply"}) {
    SCOPED_TRACE(name);
    const Loaded m(testing::savedmodel_fixture(name));
    tf::TrackableObjectGraph checkpoint;
    ASSERT_TRUE(checkpoint.ParseFromString(m.bundle.strings(kObjectGraphKey).at(0)));
    const auto& saved = m.proto.meta_graphs(0).object_graph_def().nodes();
    int variables = 0;
    for (int i = 0; i < saved.size(); ++i) {
      if (!saved[i].has_variable()) continue;
      ++variables;
      ASSERT_LT(i, checkpoint.nodes_size());
      ASSERT_EQ(checkpoint.nodes(i).attributes_size(), 1);
      EXPECT_EQ(checkpoint.nodes(i).attributes(0).full_name(), saved[i].variable().name());
      ASSERT_NE(m.index.key_of_object(i), nullptr);
      EXPECT_EQ(*m.index.key_of_object(i), checkpoint.nodes(i).attributes(0).checkpoint_key());
    }
    EXPECT_GT(variables, 0);
  }
}

TEST(SavedModelVariables, KerasHandlesAndTrainability) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Loaded m(testing::savedmodel_fixture("tfrust_keras_single_input_saved_model"));
  EXPECT_EQ(*m.index.key_of_variable("dense/kernel", "dense/kernel"),
            "layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(*m.index.key_of_variable("Adam/dense/kernel/m", "Adam/dense/kernel/m"),
            "layer_with_weights-1/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(m.index.trainable("layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE"), true);
  EXPECT_EQ(m.index.trainable("optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE"), false);
  EXPECT_EQ(m.index.key_of_variable("no_such_handle", "no_such_handle"), nullptr);
}

TEST(SavedModelVariables, Tf1VariablesByRestoreOpAndName) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Loaded m(testing::savedmodel_fixture("tf1_half_plus_two"));
  EXPECT_FALSE(m.index.has_object_graph());
  for (const char* v : {"a", "b", "c"}) {
    ASSERT_NE(m.index.key_of_variable(v, ""), nullptr) << v;
    EXPECT_EQ(*m.index.key_of_variable(v, ""), v);
  }
}

// Each binding alone gives the README's result for int64_multiply (x * 3 * 2).
class SavedModelVariableBinding : public ::testing::Test {
 protected:
  Tensor run(const std::function<void(tf::MetaGraphDef&)>& damage) {
    testing::TempDir tmp;
    const fs::path dir = testing::copy_fixture("int64_multiply", tmp);
    tf::SavedModel proto = testing::read_proto(dir);
    damage(*proto.mutable_meta_graphs(0));
    testing::write_proto(dir, proto);
    const Model model = load(dir);
    return model.signature("serving_default")
        .run({{"x", make<std::int64_t>({3, 4}, {2})}})
        .at("output_0");
  }
};

void drop_bound_inputs(tf::MetaGraphDef& meta) {
  for (auto& [name, fn] : *meta.mutable_object_graph_def()->mutable_concrete_functions())
    fn.clear_bound_inputs();
}

void drop_restore_op(tf::MetaGraphDef& meta) {
  meta.mutable_saver_def()->set_restore_op_name("gone");
}

TEST_F(SavedModelVariableBinding, ByBoundInputsAlone) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  EXPECT_TRUE(testing::tensors_close(run(drop_restore_op), make<std::int64_t>({18, 24}, {2})));
}

TEST_F(SavedModelVariableBinding, ByRestoreOpAlone) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  EXPECT_TRUE(testing::tensors_close(run(drop_bound_inputs), make<std::int64_t>({18, 24}, {2})));
}

TEST_F(SavedModelVariableBinding, UnboundHandleIsAClearError) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  // Without both, the names are ambiguous ("Variable" twice): the handle "Variable_1" stays
  // unbound rather than being guessed.
  const auto call = [&] {
    run([](tf::MetaGraphDef& m) {
      drop_bound_inputs(m);
      drop_restore_op(m);
    });
  };
  EXPECT_EQ(code_of(call), ErrorCode::corrupt);
  EXPECT_NE(message_of(call).find("reads the variable handle 'Variable_1', which no variable of "
                                  "the checkpoint is bound to"),
            std::string::npos)
      << message_of(call);
}

}  // namespace
}  // namespace nnload::formats::savedmodel
