// An attribute message flagged as shared outside a shared-message heap (found by fuzz_hdf5 in a
// Keras file's root group): libhdf5 1.10.8 looks for the attribute in another object header,
// fails to decode it and then dereferences a null pointer freeing the half-made attribute. Our
// check of the header's attribute messages refuses it before libhdf5 decodes any of them.
#include <gtest/gtest.h>

#include "io/hdf5/hdf5.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"

namespace nnload::io::hdf5 {
namespace {

TEST(Hdf5SharedAttribute, AttributeMessageFlaggedAsSharedIsCorrupt) {
  const auto file = open(
      testing::project_fixture("fuzz_regressions/hdf5/attribute_message_flagged_as_shared.h5"));
  const auto list = [&] { file->root().attribute_names(); };
  EXPECT_EQ(testing::code_of(list), ErrorCode::corrupt);
  EXPECT_NE(testing::message_of(list).find(
                "attribute message flagged as shared outside a shared-message heap"),
            std::string::npos)
      << testing::message_of(list);
}

}  // namespace
}  // namespace nnload::io::hdf5
