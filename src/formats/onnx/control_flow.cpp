#include "formats/onnx/control_flow.hpp"

#include <algorithm>

#include "core/fail.hpp"
#include "ops/control/if_op.hpp"

namespace nnload::formats::onnx {

namespace {

struct ReadBranch {
  std::shared_ptr<graph::Graph> graph;
  std::vector<std::string> captured;
};

ReadBranch read_branch(GraphReader& reader, const pb::GraphProto& proto) {
  ReadBranch branch;
  branch.graph = std::make_shared<graph::Graph>();
  for (const auto& [domain, version] : reader.context().opsets)
    branch.graph->set_opset(domain, version);
  GraphReader sub(const_cast<ReadContext&>(reader.context()), *branch.graph, true);
  sub.read(proto);
  if (!proto.input().empty()) {
    fail(ErrorCode::corrupt, "If branch '{}' declares {} inputs; If branches take none",
         proto.name(), proto.input_size());
  }
  branch.captured = sub.captured();
  return branch;
}

}  // namespace

void read_if(GraphReader& reader, const pb::NodeProto& node) {
  const pb::GraphProto* then_proto = nullptr;
  const pb::GraphProto* else_proto = nullptr;
  for (const pb::AttributeProto& a : node.attribute()) {
    if (a.name() == "then_branch") then_proto = &a.g();
    if (a.name() == "else_branch") else_proto = &a.g();
  }
  if (then_proto == nullptr || else_proto == nullptr)
    fail(ErrorCode::corrupt, "If needs the attributes then_branch and else_branch");
  const ReadBranch then_branch = read_branch(reader, *then_proto);
  const ReadBranch else_branch = read_branch(reader, *else_proto);
  for (const ReadBranch* b : {&then_branch, &else_branch}) {
    if (static_cast<int>(b->graph->outputs().size()) != node.output_size()) {
      fail(ErrorCode::corrupt, "If has {} outputs, a branch gives {}", node.output_size(),
           b->graph->outputs().size());
    }
  }
  // The If node reads the condition, then every outer value either branch reads, once.
  std::vector<std::string> outer = then_branch.captured;
  for (const std::string& name : else_branch.captured) {
    if (std::find(outer.begin(), outer.end(), name) == outer.end()) outer.push_back(name);
  }
  const auto positions = [&](const std::vector<std::string>& captured) {
    std::vector<std::int64_t> at;
    for (const std::string& name : captured)
      at.push_back(std::find(outer.begin(), outer.end(), name) - outer.begin() + 1);
    return at;
  };
  std::vector<int> inputs{reader.resolve(node.input(0), node)};
  for (const std::string& name : outer) inputs.push_back(reader.resolve(name, node));
  graph::Attributes attrs;
  attrs.set("then_branch", graph::OpaqueObject(std::make_shared<const ops::IfBranch>(
                               ops::IfBranch{then_branch.graph, positions(then_branch.captured)})));
  attrs.set("else_branch", graph::OpaqueObject(std::make_shared<const ops::IfBranch>(
                               ops::IfBranch{else_branch.graph, positions(else_branch.captured)})));
  const std::string name = node.name().empty() ? node.output(0) : node.name();
  const std::vector<int> outputs =
      reader.add("If", name, std::move(inputs), std::move(attrs), node.output_size());
  for (int i = 0; i < node.output_size(); ++i) {
    if (!node.output(i).empty()) reader.bind(node.output(i), outputs[static_cast<std::size_t>(i)]);
  }
}

}  // namespace nnload::formats::onnx
