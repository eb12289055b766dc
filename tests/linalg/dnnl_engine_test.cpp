#include "linalg/dnnl_engine.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace nnload::linalg::dnnl_util {
namespace {

TEST(DnnlEngine, ReorderChangesLayout) {
  // A [1, 2, 2, 3] NCHW tensor to NHWC: element (c, h, w) moves to (h, w, c).
  std::vector<float> nchw(12);
  for (int i = 0; i < 12; ++i) nchw[static_cast<std::size_t>(i)] = static_cast<float>(i);
  const memory::desc from = plain_desc({1, 2, 2, 3});
  const memory::desc to = strided_desc({1, 2, 2, 3}, {12, 1, 6, 2});
  std::vector<float> nhwc(12);
  Reorder(from, to).run(nchw.data(), nhwc.data());
  for (int c = 0; c < 2; ++c)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 3; ++w) {
        EXPECT_EQ(nhwc[static_cast<std::size_t>((h * 3 + w) * 2 + c)],
                  nchw[static_cast<std::size_t>((c * 2 + h) * 3 + w)]);
      }
  const PackedMemory packed(from, nchw.data(), to);
  EXPECT_TRUE(packed.defined());
  EXPECT_EQ(packed.desc(), to);
  const float* p = static_cast<const float*>(packed.wrap().get_data_handle());
  EXPECT_EQ(std::vector<float>(p, p + 12), nhwc);
}

TEST(DnnlEngine, EveryActivationButSoftsignIsAPostOp) {
  for (int k = 0; k <= static_cast<int>(ActivationKind::exp); ++k) {
    const auto kind = static_cast<ActivationKind>(k);
    dnnl::post_ops ops;
    const bool fused = append_activation(ops, {kind, 0.1f, 0.2f});
    EXPECT_EQ(fused, kind != ActivationKind::softsign) << activation_name(kind);
    if (!fused) {
      EXPECT_EQ(ops.len(), 0);
    }
  }
}

TEST(DnnlEngine, AllocateIsAligned) {
  const auto buffer = allocate(100);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.get()) % 64, 0u);
}

}  // namespace
}  // namespace nnload::linalg::dnnl_util
