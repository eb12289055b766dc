#include "linalg/padding.hpp"

#include <gtest/gtest.h>

namespace nnload::linalg {
namespace {

AxisGeometry slide(std::int64_t in, WindowAxis w, AutoPad mode = AutoPad::notset,
                   bool ceil = false) {
  return sliding_window_axis(in, w, mode, ceil);
}

TEST(Padding, AutoPadNames) {
  EXPECT_EQ(auto_pad_from_name("NOTSET"), AutoPad::notset);
  EXPECT_EQ(auto_pad_from_name("VALID"), AutoPad::valid);
  EXPECT_EQ(auto_pad_from_name("SAME_UPPER"), AutoPad::same_upper);
  EXPECT_EQ(auto_pad_from_name("SAME_LOWER"), AutoPad::same_lower);
  EXPECT_FALSE(auto_pad_from_name("SAME"));
}

TEST(Padding, ExplicitPadsFloor) {
  // (5 + 1 + 1 - 3) / 1 + 1 = 5
  AxisGeometry g = slide(5, {3, 1, 1, 1, 1});
  EXPECT_EQ(g.output, 5);
  EXPECT_EQ(g.pad_begin, 1);
  EXPECT_EQ(g.pad_end, 1);
  EXPECT_EQ(g.extra_end, 0);
  // (7 + 2 - 3) / 2 + 1 = 4
  EXPECT_EQ(slide(7, {3, 2, 1, 1, 1}).output, 4);
  // dilation 2: extent 5, (10 - 5) / 1 + 1 = 6
  EXPECT_EQ(slide(10, {3, 1, 2, 0, 0}).output, 6);
}

TEST(Padding, SameUpperMatchesTensorFlowSame) {
  // TensorFlow SAME: out = ceil(in / stride), pad_total = max((out - 1) * s + k - in, 0),
  // pad_before = pad_total / 2 (the odd one goes after).
  for (std::int64_t in = 1; in <= 12; ++in) {
    for (std::int64_t k = 1; k <= 5; ++k) {
      for (std::int64_t s = 1; s <= 3; ++s) {
        const std::int64_t out = (in + s - 1) / s;
        const std::int64_t total = std::max<std::int64_t>((out - 1) * s + k - in, 0);
        AxisGeometry g = slide(in, {k, s, 1, 0, 0}, AutoPad::same_upper);
        EXPECT_EQ(g.output, out) << in << " " << k << " " << s;
        EXPECT_EQ(g.pad_begin, total / 2);
        EXPECT_EQ(g.pad_end, total - total / 2);
        AxisGeometry lower = slide(in, {k, s, 1, 0, 0}, AutoPad::same_lower);
        EXPECT_EQ(lower.output, out);
        EXPECT_EQ(lower.pad_begin, total - total / 2);
        EXPECT_EQ(lower.pad_end, total / 2);
      }
    }
  }
}

TEST(Padding, SameIgnoresExplicitPadsAndCeilMode) {
  AxisGeometry g = slide(6, {4, 1, 1, 7, 7}, AutoPad::same_upper, true);
  EXPECT_EQ(g.output, 6);
  EXPECT_EQ(g.pad_begin, 1);
  EXPECT_EQ(g.pad_end, 2);
}

TEST(Padding, ValidHasNoPads) {
  AxisGeometry g = slide(7, {3, 2, 1, 5, 5}, AutoPad::valid);
  EXPECT_EQ(g.output, 3);
  EXPECT_EQ(g.pad_begin, 0);
  EXPECT_EQ(g.pad_end, 0);
}

TEST(Padding, CeilModeRoundsUpAndDropsWindowsStartingInEndPadding) {
  // in 6, k 3, s 2: floor gives 2, ceil gives 3 with the last window reaching 1 past the end.
  AxisGeometry g = slide(6, {3, 2, 1, 0, 0}, AutoPad::notset, true);
  EXPECT_EQ(g.output, 3);
  EXPECT_EQ(g.extra_end, 1);
  EXPECT_EQ(slide(6, {3, 2, 1, 0, 0}).output, 2);
  // in 5, k 2, s 2, pads 1/1: ceil((5 + 2 - 2) / 2) + 1 = 4, but window 3 would start at
  // 3 * 2 - 1 = 5, in the end padding: PyTorch drops it -> 3.
  AxisGeometry dropped = slide(5, {2, 2, 1, 1, 1}, AutoPad::notset, true);
  EXPECT_EQ(dropped.output, 3);
  EXPECT_EQ(dropped.extra_end, 0);
}

TEST(Padding, TooSmallInputIsAShapeError) {
  EXPECT_THROW(slide(2, {3, 1, 1, 0, 0}), Error);
  EXPECT_NO_THROW(slide(2, {3, 1, 1, 1, 0}));
}

TEST(Padding, InvalidWindowIsRejected) {
  EXPECT_THROW(slide(5, {0, 1, 1, 0, 0}), Error);
  EXPECT_THROW(slide(5, {3, 0, 1, 0, 0}), Error);
  EXPECT_THROW(slide(5, {3, 1, 0, 0, 0}), Error);
  EXPECT_THROW(slide(5, {3, 1, 1, -1, 0}), Error);
}

TEST(Padding, TransposedOutputFromPads) {
  // stride * (in - 1) + output_padding + extent - pads = 2 * 2 + 1 + 3 - 2 = 6
  AxisGeometry g = transposed_window_axis(3, {3, 2, 1, 1, 1}, 1, AutoPad::notset, std::nullopt);
  EXPECT_EQ(g.output, 6);
  EXPECT_EQ(g.pad_begin, 1);
  EXPECT_EQ(g.pad_end, 1);
}

TEST(Padding, TransposedSamePadsFollowTheSpec) {
  // out = in * stride = 6; total = 2 * 2 + 3 - 6 = 1: SAME_UPPER puts it at the end.
  AxisGeometry upper = transposed_window_axis(3, {3, 2, 1, 0, 0}, 0, AutoPad::same_upper, {});
  EXPECT_EQ(upper.output, 6);
  EXPECT_EQ(upper.pad_begin, 0);
  EXPECT_EQ(upper.pad_end, 1);
  AxisGeometry lower = transposed_window_axis(3, {3, 2, 1, 0, 0}, 0, AutoPad::same_lower, {});
  EXPECT_EQ(lower.pad_begin, 1);
  EXPECT_EQ(lower.pad_end, 0);
}

TEST(Padding, TransposedOutputShapeOverridesPads) {
  // full = 2 * 2 + 3 = 7, requested 5: total 2, split 1/1 (NOTSET puts an odd one first).
  AxisGeometry g = transposed_window_axis(3, {3, 2, 1, 9, 9}, 0, AutoPad::notset, 5);
  EXPECT_EQ(g.output, 5);
  EXPECT_EQ(g.pad_begin, 1);
  EXPECT_EQ(g.pad_end, 1);
  EXPECT_THROW(transposed_window_axis(3, {3, 2, 1, 0, 0}, 0, AutoPad::notset, 9), Error);
}

TEST(Padding, SpatialListsAreChecked) {
  WindowSpec spec;
  spec.kernel = {3, 3};
  spec.strides = {2, 1};
  spec.pads = {1, 0, 1, 0};
  SpatialGeometry g = sliding_window({7, 5}, spec);
  EXPECT_EQ(g.output, (Shape{4, 3}));
  EXPECT_EQ(g.pad_begin, (std::vector<std::int64_t>{1, 0}));
  spec.pads = {1, 1};
  EXPECT_THROW(sliding_window({7, 5}, spec), Error);
  spec.pads = {};
  spec.strides = {1};
  EXPECT_THROW(sliding_window({7, 5}, spec), Error);
  spec.strides = {};
  EXPECT_THROW(sliding_window({7, 5, 3}, spec), Error);
}

TEST(Padding, TransposedAcceptsFullOutputShape) {
  WindowSpec spec;
  spec.kernel = {3};
  spec.strides = {2};
  SpatialGeometry g = transposed_window({3}, spec, {}, {1, 4, 6});
  EXPECT_EQ(g.output, (Shape{6}));
}

}  // namespace
}  // namespace nnload::linalg
