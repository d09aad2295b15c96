#include "strata/blob.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "blob.pb.h"
#include "strata/errors.hpp"

namespace strata {
namespace {

TEST(BlobTest, ShapeAndCounts) {
  Blob blob({2, 3, 4});
  EXPECT_EQ(blob.num_axes(), 3);
  EXPECT_EQ(blob.count(), 24);
  EXPECT_EQ(blob.count(1), 12);
  EXPECT_EQ(blob.count(0, 2), 6);
  EXPECT_EQ(blob.shape(-1), 4);
  EXPECT_EQ(blob.CanonicalAxisIndex(-3), 0);
  EXPECT_EQ(blob.shape_string(), "(2,3,4)");
  Blob scalar(std::vector<int>{});
  EXPECT_EQ(scalar.count(), 1);
}

TEST(BlobTest, StorageIsAlignedAndZeroed) {
  Blob blob({3, 5});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(blob.data()) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(blob.diff()) % 64, 0u);
  EXPECT_EQ(blob.asum_data(), 0);
}

// From a huge page's size on, a storage starts on a huge page (and asks for
// huge pages), keeping what it held when it grows into one.
TEST(BlobTest, LargeStorageStartsOnAHugePage) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  Blob blob({(1 << 19) - 16});  // just under 2 MB: 64-byte alignment only
  blob.mutable_data()[7] = 3.f;
  blob.Reshape({1 << 20});  // 4 MB
  EXPECT_EQ(reinterpret_cast<uintptr_t>(blob.data()) % kHugePage, 0u);
  EXPECT_EQ(blob.data()[7], 3.f);
  EXPECT_EQ(blob.data()[(1 << 20) - 1], 0.f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(blob.diff()) % kHugePage, 0u);
}

TEST(BlobTest, ReshapeWithinCapacityKeepsMemory) {
  Blob blob({4, 5});
  const float* before = blob.data();
  blob.Reshape({2, 10});
  EXPECT_EQ(blob.data(), before);
  blob.Reshape({3});
  EXPECT_EQ(blob.data(), before);
  blob.Reshape({100});
  EXPECT_EQ(blob.count(), 100);
}

TEST(BlobTest, RejectsNegativeAndOverflowingShapes) {
  Blob blob;
  EXPECT_THROW(blob.Reshape({2, -1}), ShapeError);
  EXPECT_THROW(blob.Reshape({65536, 65536}), ShapeError);
  EXPECT_THROW(blob.Reshape(std::vector<int>(33, 1)), ShapeError);
  EXPECT_THROW(Blob({2, 3}).CanonicalAxisIndex(2), ShapeError);
}

TEST(BlobTest, ProtoRoundTrip) {
  Blob blob({2, 3});
  for (int i = 0; i < 6; ++i) {
    blob.mutable_data()[i] = static_cast<float>(i) * 0.5f;
    blob.mutable_diff()[i] = -static_cast<float>(i);
  }
  BlobProto proto;
  blob.ToProto(&proto, /*write_diff=*/true);
  Blob copy;
  copy.FromProto(proto);
  EXPECT_EQ(copy.shape(), blob.shape());
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(copy.data()[i], blob.data()[i]);
    EXPECT_EQ(copy.diff()[i], blob.diff()[i]);
  }
}

TEST(BlobTest, ReadsLegacyFourDimensionalForm) {
  BlobProto proto;
  proto.set_num(1);
  proto.set_channels(1);
  proto.set_height(2);
  proto.set_width(3);
  for (int i = 0; i < 6; ++i) proto.add_data(static_cast<float>(i));
  Blob blob;
  blob.FromProto(proto);
  EXPECT_EQ(blob.shape(), (std::vector<int>{1, 1, 2, 3}));
  // A legacy 1x1x2x3 blob matches a 2-D 2x3 one (as Caffe's InnerProduct weights).
  Blob weight({2, 3});
  EXPECT_TRUE(weight.ShapeEquals(proto));
  weight.FromProto(proto, /*reshape=*/false);
  EXPECT_EQ(weight.data()[5], 5);
}

TEST(BlobTest, ReadsDoubleData) {
  BlobProto proto;
  proto.mutable_shape()->add_dim(2);
  proto.add_double_data(1.5);
  proto.add_double_data(-2.25);
  Blob blob;
  blob.FromProto(proto);
  EXPECT_EQ(blob.data()[0], 1.5f);
  EXPECT_EQ(blob.data()[1], -2.25f);
}

TEST(BlobTest, FromProtoRejectsShapeMismatchAndWrongValueCount) {
  BlobProto proto;
  proto.mutable_shape()->add_dim(4);
  for (int i = 0; i < 4; ++i) proto.add_data(1);
  Blob blob({2, 2});
  EXPECT_THROW(blob.FromProto(proto, /*reshape=*/false), ShapeError);
  proto.add_data(1);
  EXPECT_THROW(blob.FromProto(proto), ShapeError);
}

TEST(BlobTest, ShareDataAndUpdate) {
  Blob a({3}), b({3});
  a.mutable_data()[0] = 5;
  b.ShareData(a);
  EXPECT_EQ(b.data()[0], 5);
  EXPECT_TRUE(b.SharesDataWith(a));
  a.mutable_diff()[0] = 2;
  a.Update();
  EXPECT_EQ(b.data()[0], 3);
  Blob c({4});
  EXPECT_THROW(c.ShareData(a), ShapeError);
}

}  // namespace
}  // namespace strata
