#include "io/pickle/unpickler.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "io/pickle/pickle_test_support.hpp"
#include "io/pickle/repr.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"
#include "support/temp_files.hpp"

namespace nnload::io::pickle {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;
using testing::binunicode;
using testing::code_of;
using testing::message_of;
using testing::unpickle_string;

nlohmann::json load_cases() {
  std::ifstream in(testing::project_fixture("pickle/cases.json"));
  return nlohmann::json::parse(in);
}

// Every value Python pickled at protocols 0-5 reads back to the same repr() Python printed.
TEST(PickleUnpickler, PythonPicklesAtEveryProtocolReadBackToTheirRepr) {
  const nlohmann::json cases = load_cases();
  ASSERT_GT(cases["cases"].size(), 500u);
  int checked = 0;
  for (const auto& c : cases["cases"]) {
    const std::string name = c["name"];
    const auto bytes = testing::from_hex(c["pickle"].get<std::string>());
    testing::Loaded loaded;
    try {
      loaded = testing::unpickle_bytes(bytes);
    } catch (const Error& e) {
      ADD_FAILURE() << name << ": " << e.what();
      continue;
    }
    EXPECT_EQ(loaded.result.end, bytes.size()) << name;
    EXPECT_EQ(repr(loaded.root()), c["repr"].get<std::string>()) << name;
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(cases["cases"].size()));
}

TEST(PickleUnpickler, FixturesCoverTheOpcodesPythonWrites) {
  const nlohmann::json cases = load_cases();
  const std::set<std::string> seen = cases["opcodes"].get<std::set<std::string>>();
  for (const char* op : {"ADDITEMS",
                         "APPEND",
                         "APPENDS",
                         "BINBYTES",
                         "BINFLOAT",
                         "BINGET",
                         "BININT",
                         "BININT1",
                         "BININT2",
                         "BINPERSID",
                         "BINPUT",
                         "BINUNICODE",
                         "BUILD",
                         "BYTEARRAY8",
                         "DICT",
                         "EMPTY_DICT",
                         "EMPTY_LIST",
                         "EMPTY_SET",
                         "EMPTY_TUPLE",
                         "FLOAT",
                         "FRAME",
                         "FROZENSET",
                         "GET",
                         "GLOBAL",
                         "INT",
                         "LIST",
                         "LONG",
                         "LONG1",
                         "LONG4",
                         "LONG_BINGET",
                         "LONG_BINPUT",
                         "MARK",
                         "MEMOIZE",
                         "NEWFALSE",
                         "NEWOBJ",
                         "NEWOBJ_EX",
                         "NEWTRUE",
                         "NONE",
                         "PERSID",
                         "POP",
                         "POP_MARK",
                         "PROTO",
                         "PUT",
                         "REDUCE",
                         "SETITEM",
                         "SETITEMS",
                         "SHORT_BINBYTES",
                         "SHORT_BINUNICODE",
                         "STACK_GLOBAL",
                         "STOP",
                         "TUPLE",
                         "TUPLE1",
                         "TUPLE2",
                         "TUPLE3",
                         "UNICODE"}) {
    EXPECT_TRUE(seen.count(op)) << op;
  }
}

TEST(PickleUnpickler, ExtensionCodesAndOutOfBandBuffersAreUnsupported) {
  const nlohmann::json cases = load_cases();
  ASSERT_EQ(cases["errors"].size(), 2u);
  for (const auto& c : cases["errors"]) {
    const auto bytes = testing::from_hex(c["pickle"].get<std::string>());
    EXPECT_EQ(code_of([&] { testing::unpickle_bytes(bytes); }), ErrorCode::unsupported)
        << c["name"];
  }
  EXPECT_EQ(code_of([] { unpickle_string("\x80\x02\x83\x01\x02."sv); }), ErrorCode::unsupported);
  EXPECT_EQ(code_of([] { unpickle_string("\x80\x02\x84\x01\x02\x03\x04."sv); }),
            ErrorCode::unsupported);
}

// Opcodes Python 3 never writes but Python 2 and hand-written pickles use.
TEST(PickleUnpickler, Python2StringOpcodes) {
  EXPECT_EQ(repr(unpickle_string("S'it\\'s\\n\\x41\\101'\n."sv).root()), "\"it's\\nAA\"");
  EXPECT_EQ(repr(unpickle_string("S\"a\"\n."sv).root()), "'a'");
  EXPECT_EQ(repr(unpickle_string("T\x03\x00\x00\x00"
                                 "abc."sv)
                     .root()),
            "'abc'");
  EXPECT_EQ(repr(unpickle_string("U\x02hi."sv).root()), "'hi'");
  // Not UTF-8: stays bytes.
  EXPECT_EQ(repr(unpickle_string("U\x02\xff\xfe."sv).root()), "b'\\xff\\xfe'");
  EXPECT_EQ(code_of([] { unpickle_string("Sabc\n."sv); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([] { unpickle_string("S'\\x4'\n."sv); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([] { unpickle_string("T\xff\xff\xff\xff."sv); }), ErrorCode::corrupt);
}

TEST(PickleUnpickler, Python2ModuleNamesMapToPython3) {
  const auto s = unpickle_string("c__builtin__\nset\n((lp0\nI1\naI2\natR."sv);
  EXPECT_EQ(repr(s.root()), "{1, 2}");
  const auto g = unpickle_string("ccopy_reg\n_reconstructor\n."sv);
  EXPECT_TRUE(g.root().is_global("copyreg", "_reconstructor"));
}

TEST(PickleUnpickler, DupInstObjAndEightByteLengths) {
  const auto dup = unpickle_string("\x80\x02]2\x86."sv);
  ASSERT_EQ(dup.root().kind, Kind::tuple);
  EXPECT_EQ(dup.root().items[0], dup.root().items[1]);

  const auto inst = unpickle_string("(I1\nS'x'\niargparse\nNamespace\n."sv);
  EXPECT_EQ(inst.root().kind, Kind::object);
  EXPECT_EQ(inst.root().made, Made::inst);
  EXPECT_TRUE(inst.root().type->is_global("argparse", "Namespace"));
  EXPECT_EQ(repr(*inst.root().args), "(1, 'x')");

  const auto obj = unpickle_string("(cmod\nCls\nK\x05o}" + binunicode("a") + "K\x01sb.");
  EXPECT_EQ(obj.root().made, Made::inst);
  EXPECT_TRUE(obj.root().type->is_global("mod", "Cls"));
  EXPECT_EQ(repr(*obj.root().args), "(5,)");
  EXPECT_EQ(repr(*obj.root().state), "{'a': 1}");

  EXPECT_EQ(repr(unpickle_string("\x8d\x02\x00\x00\x00\x00\x00\x00\x00hi."sv).root()), "'hi'");
  EXPECT_EQ(repr(unpickle_string("\x8e\x01\x00\x00\x00\x00\x00\x00\x00z."sv).root()), "b'z'");
  EXPECT_EQ(repr(unpickle_string("\x96\x01\x00\x00\x00\x00\x00\x00\x00z."sv).root()),
            "bytearray(b'z')");
}

TEST(PickleUnpickler, MemoSharesValuesAndKeepsCycles) {
  // a = [1]; [a, a]
  const auto shared = unpickle_string(
      "\x80\x02]q\x00(]q\x01K\x01"
      "ah\x01"
      "e."sv);
  ASSERT_EQ(shared.root().items.size(), 2u);
  EXPECT_EQ(shared.root().items[0], shared.root().items[1]);
  // l = []; l.append(l)
  const auto cycle = unpickle_string(
      "\x80\x02]q\x00h\x00"
      "a."sv);
  ASSERT_EQ(cycle.root().items.size(), 1u);
  EXPECT_EQ(cycle.root().items[0], &cycle.root());
  EXPECT_EQ(repr(cycle.root()), "[[...]]");
}

TEST(PickleUnpickler, RepeatedDictKeysReplaceInPlaceLikePython) {
  // {'a': 1, 'b': 2, 'a': 3} and {1: 'x', 1.0: 'y', True: 'z'}
  const auto d = unpickle_string("}(" + binunicode("a") + "K\x01" + binunicode("b") + "K\x02" +
                                 binunicode("a") + "K\x03u.");
  EXPECT_EQ(repr(d.root()), "{'a': 3, 'b': 2}");
  const auto n = unpickle_string("}(K\x01" + binunicode("x") + "G?\xf0\x00\x00\x00\x00\x00\x00"s +
                                 binunicode("y") + "\x88" + binunicode("z") + "u.");
  EXPECT_EQ(repr(n.root()), "{1: 'z'}");
}

TEST(PickleUnpickler, ReduceOfAnyGlobalStaysInert) {
  testing::TempDir dir;
  const std::filesystem::path marker = dir / "pwned";
  const std::string cmd = "echo pwned > " + marker.string();
  std::string p = "cos\nsystem\n(X";
  const auto n = static_cast<std::uint32_t>(cmd.size());
  for (int i = 0; i < 4; ++i) p += static_cast<char>((n >> (8 * i)) & 0xFF);
  p += cmd + "tR.";
  const auto loaded = unpickle_string(p);
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_TRUE(loaded.root().is_object_of("os", "system"));
  EXPECT_EQ(loaded.root().made, Made::reduce);
  ASSERT_EQ(loaded.root().args->items.size(), 1u);
  EXPECT_EQ(loaded.root().args->items[0]->text, cmd);
  EXPECT_EQ(repr(loaded.root()), "<object of class os.system>");
}

TEST(PickleUnpickler, StopsAtStopAndReportsTheEnd) {
  const auto loaded = unpickle_string("K\x07.trailing"sv);
  EXPECT_EQ(loaded.result.end, 3u);
  EXPECT_EQ(loaded.root().integer, 7);
}

TEST(PickleUnpickler, UnknownOpcodeNamesTheByteAndOffset) {
  const std::string msg = message_of([] { unpickle_string("\x80\x02K\x01\xff."sv); });
  EXPECT_NE(msg.find("0xff"), std::string::npos) << msg;
  EXPECT_NE(msg.find("offset 4"), std::string::npos) << msg;
  EXPECT_EQ(code_of([] { unpickle_string("\x80\x02K\x01\xff."sv); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([] { unpickle_string("\x00"sv); }), ErrorCode::corrupt);
}

TEST(PickleUnpickler, StackAndMarkErrorsAreCorrupt) {
  const std::string_view bad[] = {
      "R."sv,               // REDUCE on an empty stack
      "\x80\x02K\x01R."sv,  // REDUCE with one item
      "."sv,                // STOP on an empty stack
      "]e."sv,              // APPENDS without a MARK
      "(e."sv,              // APPENDS with nothing below the mark
      "(K\x01u."sv,         // SETITEMS with nothing below the mark
      "}(K\x01u."sv,        // SETITEMS with an odd item count
      "(K\x01(a."sv,        // APPEND cannot reach below the MARK
      "K\x01K\x02"
      "a."sv,                          // APPEND to an int
      "K\x01K\x02K\x03s."sv,           // SETITEM on an int
      "t."sv,                          // TUPLE without a MARK
      "1."sv,                          // POP_MARK without a MARK
      "0."sv,                          // POP on an empty stack
      "\x85."sv,                       // TUPLE1 on an empty stack
      "(\x86."sv,                      // TUPLE2 across a MARK
      "h\x05."sv,                      // BINGET of an undefined memo key
      "q\x00."sv,                      // BINPUT on an empty stack
      "N]b."sv,                        // BUILD on None
      "cmod\nf\nK\x01R."sv,            // REDUCE with an int as the arguments
      "](K\x01\x90."sv,                // ADDITEMS to a list
      "X\x02\x00\x00\x00\xc3\x28."sv,  // invalid UTF-8
      "\x80\x02K\x01"sv,               // no STOP
      "I12x\n."sv,                     // bad INT text
      "Fpi\n."sv,                      // bad FLOAT text
      "I12"sv,                         // line without a newline
  };
  int i = 0;
  for (std::string_view p : bad) {
    EXPECT_EQ(code_of([&] { unpickle_string(p); }), ErrorCode::corrupt)
        << "case " << i << ": " << message_of([&] { unpickle_string(p); });
    ++i;
  }
  EXPECT_EQ(code_of([] { unpickle_string("\x80\x06K\x01."sv); }), ErrorCode::version);
}

TEST(PickleUnpickler, HugeDeclaredLengthsFailBeforeAllocating) {
  const std::string_view huge[] = {
      "\x8d\x00\x00\x00\x00\x00\x00\x00\x10."sv,  // BINUNICODE8 of 2^60
      "\x8e\x00\x00\x00\x00\x00\x00\x00\x10."sv,  // BINBYTES8 of 2^60
      "\x96\xff\xff\xff\xff\xff\xff\xff\xff."sv,  // BYTEARRAY8 of 2^64 - 1
      "X\xff\xff\xff\xff."sv,                     // BINUNICODE of 4 GiB
      "B\xff\xff\xff\x7f."sv,                     // BINBYTES of 2 GiB
      "\x8b\xff\xff\xff\x7f."sv,                  // LONG4 of 2 GiB
      "\x95\x00\x00\x00\x00\x00\x00\x00\x10."sv,  // FRAME of 2^60
  };
  for (std::string_view p : huge) {
    const std::string msg = message_of([&] { unpickle_string(p); });
    EXPECT_EQ(code_of([&] { unpickle_string(p); }), ErrorCode::corrupt) << msg;
    EXPECT_NE(msg.find("left"), std::string::npos) << msg;
  }
}

TEST(PickleUnpickler, BigIntegersBeyondTheLimitAreUnsupported) {
  std::string p = "\x8b\x01\x10\x00\x00"s;  // LONG4 of 4097 bytes
  p += std::string(4097, '\x01') + ".";
  EXPECT_EQ(code_of([&] { unpickle_string(p); }), ErrorCode::unsupported);
  const auto ok = unpickle_string("\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01."sv);  // 2^64
  EXPECT_EQ(ok.root().kind, Kind::big_integer);
  EXPECT_EQ(ok.root().text, "18446744073709551616");
  const auto minus = unpickle_string("\x8a\x09\xff\xff\xff\xff\xff\xff\xff\x7f\xff."sv);
  EXPECT_EQ(minus.root().text, "-9223372036854775809");
  const auto fits = unpickle_string("\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x80\xff."sv);
  EXPECT_EQ(fits.root().kind, Kind::integer);
  EXPECT_EQ(fits.root().integer, INT64_MIN);
}

// Set and dict keys made of shared tuples: t = (s,); then t = (t, t) 40 times is a key of 2^40
// strings in Python's eyes. Its key is built once per distinct tuple (found by fuzz_onnx: a set
// of such tuples took minutes), and equal structures built apart are still one key.
TEST(PickleUnpickler, KeysOfSharedNestedTuplesCostTheirSizeOnce) {
  const std::string big(100'000, 'a');
  std::string chain = binunicode(big) + "\x85";   // (s,)
  for (int i = 0; i < 40; ++i) chain += "2\x86";  // DUP, TUPLE2
  // {t, t', t} with t' built apart from equal parts, then {(1,), (1.0,), (True,)}.
  const auto loaded = unpickle_string("\x80\x04\x8f(" + chain + chain + "2\x90.");
  ASSERT_EQ(loaded.root().kind, Kind::set);
  EXPECT_EQ(loaded.root().items.size(), 1u);
  const auto numbers =
      unpickle_string("\x80\x04\x8f(K\x01\x85G?\xf0\x00\x00\x00\x00\x00\x00\x85\x88\x85\x90."s);
  EXPECT_EQ(numbers.root().items.size(), 1u);
  // A key of 200,000 nested tuples ((((1,),),),...) does not recurse that deep.
  const auto deep = unpickle_string("\x80\x04\x8f(K\x01" + std::string(200'000, '\x85') + "\x90.");
  EXPECT_EQ(deep.root().items.size(), 1u);
}

TEST(PickleUnpickler, DeepNestingDoesNotRecurse) {
  // 200k nested lists: l0.append(l1), l1.append(l2), ... built bottom-up by APPENDs.
  const int n = 200'000;
  std::string p(n, ']');
  p += std::string(n - 1, 'a') + ".";
  const auto loaded = unpickle_string(p);
  const Value* v = &loaded.root();
  int depth = 1;
  while (!v->items.empty()) {
    v = v->items[0];
    ++depth;
  }
  EXPECT_EQ(depth, n);
  EXPECT_EQ(code_of([&] { repr(loaded.root()); }), ErrorCode::corrupt);
  // 200k MARKs left open are fine too.
  const auto marks = unpickle_string(std::string(n, '(') + "N.");
  EXPECT_EQ(marks.root().kind, Kind::none);
}

TEST(PickleUnpickler, FarOffMemoKeysWork) {
  const auto far = unpickle_string(
      "K\x07r\xff\xff\xff\xff"
      "0j\xff\xff\xff\xff."sv);
  EXPECT_EQ(far.root().integer, 7);
  const auto text = unpickle_string("I8\np99999999999\n0g99999999999\n."sv);
  EXPECT_EQ(text.root().integer, 8);
  EXPECT_EQ(code_of([] {
              unpickle_string(
                  "K\x07r\xff\xff\xff\xff"
                  "0j\xfe\xff\xff\xff."sv);
            }),
            ErrorCode::corrupt);
}

TEST(PickleUnpickler, ObjectAndMemoLimits) {
  Limits limits;
  limits.max_objects = 10;
  std::string many = "(";
  for (int i = 0; i < 20; ++i) many += "N";
  many += "l.";
  EXPECT_EQ(code_of([&] { unpickle_string(many, limits); }), ErrorCode::corrupt);
  EXPECT_NE(message_of([&] { unpickle_string(many, limits); }).find("ReadLimits::max_objects"),
            std::string::npos);
  Limits memo;
  memo.max_memo = 2;
  EXPECT_EQ(code_of([&] { unpickle_string("Nq\x00q\x01q\x02."sv, memo); }), ErrorCode::corrupt);
  // Rebinding an existing memo key is not a new entry.
  EXPECT_NO_THROW(unpickle_string("Nq\x00q\x00q\x01q\x01."sv, memo));
}

TEST(PickleUnpickler, OrderedDictSetAndBytesConstructorsBecomeValues) {
  // collections.OrderedDict() + SETITEMS + BUILD, as torch writes state_dicts.
  const auto od = unpickle_string(
      "\x80\x02"
      "ccollections\nOrderedDict\nq\x00)Rq\x01"s +
      binunicode("a") + "K\x01s}" + binunicode("_metadata") + "K\x02sb.");
  EXPECT_EQ(od.root().kind, Kind::dict);
  EXPECT_TRUE(od.root().type->is_global("collections", "OrderedDict"));
  EXPECT_EQ(repr(od.root()), "OrderedDict([('a', 1)])");
  ASSERT_NE(od.root().state, nullptr);
  EXPECT_EQ(repr(*od.root().state), "{'_metadata': 2}");
  // _codecs.encode('\xff', 'latin1'): how protocol 2 stores bytes.
  const auto b = unpickle_string(
      "\x80\x02"
      "c_codecs\nencode\nX\x02\x00\x00\x00\xc3\xbfX\x06\x00\x00\x00latin1\x86R."sv);
  EXPECT_EQ(b.root().kind, Kind::bytes);
  EXPECT_EQ(b.root().text, "\xff");
}

}  // namespace
}  // namespace nnload::io::pickle
