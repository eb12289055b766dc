#include "io/pickle/repr.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "io/pickle/pickle_test_support.hpp"
#include "support/error_capture.hpp"

namespace nnload::io::pickle {
namespace {

// Expected strings are what CPython 3.11 prints.
TEST(PickleRepr, FloatsPrintLikePython) {
  EXPECT_EQ(float_repr(0.1), "0.1");
  EXPECT_EQ(float_repr(3.0), "3.0");
  EXPECT_EQ(float_repr(0.0), "0.0");
  EXPECT_EQ(float_repr(-0.0), "-0.0");
  EXPECT_EQ(float_repr(1e16), "1e+16");
  EXPECT_EQ(float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(float_repr(1e-4), "0.0001");
  EXPECT_EQ(float_repr(1e-5), "1e-05");
  EXPECT_EQ(float_repr(1.5e300), "1.5e+300");
  EXPECT_EQ(float_repr(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(float_repr(123456789.123), "123456789.123");
  EXPECT_EQ(float_repr(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(float_repr(2.0 / 3.0 * 1e20), "6.666666666666666e+19");
  EXPECT_EQ(float_repr(5e-324), "5e-324");
  EXPECT_EQ(float_repr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(float_repr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(float_repr(std::nan("")), "nan");
  EXPECT_EQ(float_repr(0.123), "0.123");
  // numpy float32 scalars print their shortest float32 digits.
  EXPECT_EQ(float32_repr(0.1f), "0.1");
  EXPECT_EQ(float32_repr(16777216.0f), "16777216.0");
  EXPECT_EQ(float32_repr(1e20f), "1e+20");
}

TEST(PickleRepr, StringsQuoteAndEscapeLikePython) {
  EXPECT_EQ(string_repr(""), "''");
  EXPECT_EQ(string_repr("hello"), "'hello'");
  EXPECT_EQ(string_repr("it's"), "\"it's\"");
  EXPECT_EQ(string_repr("say \"hi\""), "'say \"hi\"'");
  EXPECT_EQ(string_repr("both ' and \""), "'both \\' and \"'");
  EXPECT_EQ(string_repr("a\\b"), "'a\\\\b'");
  EXPECT_EQ(string_repr("\t\n\r\x01\x7f"), "'\\t\\n\\r\\x01\\x7f'");
  EXPECT_EQ(string_repr("h\xc3\xa9llo \xe2\x9c\x93"), "'h\xc3\xa9llo \xe2\x9c\x93'");
  EXPECT_EQ(string_repr("\xc2\xa0\xc2\xad"), "'\\xa0\\xad'");
  EXPECT_EQ(string_repr("a\xe2\x80\x8b"), "'a\\u200b'");
  EXPECT_EQ(bytes_repr(""), "b''");
  EXPECT_EQ(bytes_repr(std::string("\x00\xff\x7f\n", 4)), "b'\\x00\\xff\\x7f\\n'");
  EXPECT_EQ(bytes_repr("it's"), "b\"it's\"");
}

TEST(PickleRepr, ContainersAndCycles) {
  using testing::unpickle_string;
  using namespace std::string_view_literals;
  // d = {}; d['self'] = d
  const auto d = unpickle_string("}q\x00X\x04\x00\x00\x00selfh\x00s."sv);
  EXPECT_EQ(repr(d.root()), "{'self': {...}}");
  // (1,) and ()
  EXPECT_EQ(repr(unpickle_string("K\x01\x85."sv).root()), "(1,)");
  EXPECT_EQ(repr(unpickle_string(")."sv).root()), "()");
  EXPECT_EQ(repr(unpickle_string("\x8f."sv).root()), "set()");
  EXPECT_EQ(repr(unpickle_string("(\x91."sv).root()), "frozenset()");
  EXPECT_EQ(repr(unpickle_string("(K\x01K\x02\x91."sv).root()), "frozenset({1, 2})");
  EXPECT_EQ(repr(unpickle_string("N\x88\x89\x87."sv).root()), "(None, True, False)");
}

TEST(PickleRepr, SharedReferencesAreBoundedByTheOutputLimit) {
  using namespace std::string_literals;
  // l0 = [l1, l1], l1 = [l2, l2], ... 60 levels: 2^60 leaves if printed in full.
  std::string p = "]";
  for (int i = 0; i < 60; ++i)
    p += "q\x00](h\x00h\x00"
         "e"s;
  p += ".";
  const auto loaded = testing::unpickle_string(p);
  ReprLimits limits;
  limits.max_chars = 10000;
  const std::string out = repr(loaded.root(), limits);
  EXPECT_EQ(out.size(), 10003u);
  EXPECT_EQ(out.substr(out.size() - 3), "...");
}

}  // namespace
}  // namespace nnload::io::pickle
