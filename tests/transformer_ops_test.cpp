// embedding, rope and attention against direct double-precision formulas: odd sizes, grouped
// query heads, queries at an offset into the cache, f16 caches, and every refusal by name.
#include <cmath>

#include "bitnet/config.h"
#include "bitnet/half.h"
#include "bitnet/ops.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::seed_trace;
using testing::test_seeds;

void expect_error_containing(const std::function<void()>& call, const std::string& needle) {
  try {
    call();
    ADD_FAILURE() << "no error; expected one containing: " << needle;
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
  }
}

TEST(Embedding, GathersRowsOfEveryTableDtype) {
  for (const DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
    const Tensor table = cast(Tensor::normal({7, 5}, 3), dtype);
    const Tensor wide = cast(table, DType::kF32);
    const Tensor ids = Tensor::from_vector<int64_t>({6, 0, 3, 3}, {2, 2});
    const Tensor rows = embedding(table, ids);
    ASSERT_EQ(rows.shape(), Shape({2, 2, 5}));
    const std::vector<int64_t> flat = {6, 0, 3, 3};
    for (int64_t index = 0; index < 4; ++index) {
      for (int64_t column = 0; column < 5; ++column) {
        EXPECT_EQ(rows.reshape({4, 5}).select(0, index).select(0, column).item(),
                  wide.select(0, flat[index]).select(0, column).item());
      }
    }
  }
}

TEST(Embedding, RefusesBadIdsAndTables) {
  const Tensor table = Tensor::zeros({4, 2});
  expect_error_containing(
      [&] {
        (void)embedding(table, Tensor::from_vector<int32_t>({1, 4}, {2}));
      },
      "id 4 at position 1 is outside the table's 4 rows");
  expect_error_containing([&] { (void)embedding(table, Tensor::from_vector<int32_t>({-1}, {1})); },
                          "id -1");
  expect_error_containing([&] { (void)embedding(table, Tensor::zeros({2})); },
                          "ids must be i32 or i64");
  expect_error_containing(
      [&] { (void)embedding(Tensor::zeros({4}), Tensor::zeros({1}, DType::kI32)); },
      "table must be [rows, dim]");
}

TEST(Rope, MatchesTheRotateHalfFormula) {
  for (const uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    const int64_t tokens = 5, heads = 3, dim = 10;
    const double theta = 500000.0;
    const Tensor x = Tensor::normal({tokens, heads, dim}, seed);
    const std::vector<int64_t> where = {0, 1, 7, 100, 4095};
    const Tensor out = rope(x, Tensor::from_vector<int64_t>(where, {tokens}), theta);
    const std::vector<float> in = x.to_vector<float>();
    const std::vector<float> got = out.to_vector<float>();
    for (int64_t t = 0; t < tokens; ++t) {
      for (int64_t h = 0; h < heads; ++h) {
        for (int64_t i = 0; i < dim / 2; ++i) {
          const double angle = where[t] * std::pow(theta, -2.0 * i / dim);
          const size_t base = static_cast<size_t>((t * heads + h) * dim);
          const double a = in[base + i], b = in[base + i + dim / 2];
          // f32 angles: the error grows with the position (about position * 2^-24 radians).
          const double tolerance = 1e-5 + 2e-7 * static_cast<double>(where[t]);
          EXPECT_NEAR(got[base + i], a * std::cos(angle) - b * std::sin(angle), tolerance);
          EXPECT_NEAR(got[base + i + dim / 2], b * std::cos(angle) + a * std::sin(angle),
                      tolerance);
        }
      }
    }
  }
}

TEST(Rope, RefusesBadShapes) {
  expect_error_containing(
      [] {
        (void)rope(Tensor::zeros({2, 1, 3}), Tensor::zeros({2}, DType::kI64), 1e4);
      },
      "head_dim 3 is odd");
  expect_error_containing(
      [] {
        (void)rope(Tensor::zeros({2, 1, 4}), Tensor::zeros({3}, DType::kI64), 1e4);
      },
      "positions must be i32/i64 [2]");
  expect_error_containing(
      [] {
        (void)rope(Tensor::zeros({2, 1, 4}), Tensor::zeros({2}, DType::kI64), -1);
      },
      "theta must be positive");
}

// Direct causal attention in double with grouped heads.
std::vector<double> reference_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                        int64_t first, double scale) {
  const int64_t queries = q.shape()[0], heads = q.shape()[1], dim = q.shape()[2];
  const int64_t kv_heads = k.shape()[1];
  const std::vector<float> qs = q.to_vector<float>();
  const std::vector<float> ks = cast(k, DType::kF32).to_vector<float>();
  const std::vector<float> vs = cast(v, DType::kF32).to_vector<float>();
  std::vector<double> out(static_cast<size_t>(queries * heads * dim));
  for (int64_t i = 0; i < queries; ++i) {
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t g = h / (heads / kv_heads);
      const int64_t visible = first + i + 1;
      std::vector<double> scores(static_cast<size_t>(visible));
      double maximum = -INFINITY;
      for (int64_t j = 0; j < visible; ++j) {
        double dot = 0;
        for (int64_t d = 0; d < dim; ++d) {
          dot += qs[(i * heads + h) * dim + d] * ks[(j * kv_heads + g) * dim + d];
        }
        scores[j] = dot * scale;
        maximum = std::max(maximum, scores[j]);
      }
      double total = 0;
      for (double& score : scores) total += (score = std::exp(score - maximum));
      for (int64_t d = 0; d < dim; ++d) {
        double sum = 0;
        for (int64_t j = 0; j < visible; ++j) {
          sum += scores[j] / total * vs[(j * kv_heads + g) * dim + d];
        }
        out[(i * heads + h) * dim + d] = sum;
      }
    }
  }
  return out;
}

TEST(Attention, MatchesTheDirectFormulaWithGroupsAndOffsets) {
  for (const uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const auto& [queries, first, heads, kv_heads, dim] :
         {std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>{1, 0, 1, 1, 1},
          {3, 0, 4, 2, 8},
          {1, 9, 6, 2, 17},
          {5, 11, 4, 4, 32},
          {7, 0, 8, 1, 3},
          // The prompt path (16 queries or more, in blocks of 64): one block, a tail block.
          {16, 3, 2, 1, 5},
          {70, 5, 6, 3, 33},
          {129, 0, 4, 2, 16}}) {
      for (const DType cache_dtype : {DType::kF32, DType::kF16}) {
        const int64_t keys = first + queries + 2;  // rows past the last query are never read
        const Tensor q = Tensor::normal({queries, heads, dim}, seed);
        const Tensor k = cast(Tensor::normal({keys, kv_heads, dim}, seed + 1), cache_dtype);
        const Tensor v = cast(Tensor::normal({keys, kv_heads, dim}, seed + 2), cache_dtype);
        const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
        const std::vector<float> got = attention(q, k, v, first, scale).to_vector<float>();
        const std::vector<double> want = reference_attention(q, k, v, first, scale);
        ASSERT_EQ(got.size(), want.size());
        for (size_t index = 0; index < got.size(); ++index) {
          ASSERT_NEAR(got[index], want[index], 1e-5)
              << "queries " << queries << " first " << first << " heads " << heads << "/"
              << kv_heads << " dim " << dim << " " << dtype_name(cache_dtype) << " at " << index;
        }
      }
    }
  }
}

// Prompts run one (head, block) per task with single-threaded BLAS: the same bits for any thread
// count.
TEST(Attention, GivesTheSameBitsForAnyThreadCount) {
  testing::ThreadCountGuard guard;
  const uint64_t seed = test_seeds()[1];
  SCOPED_TRACE(seed_trace(seed));
  const Tensor q = Tensor::normal({200, 6, 64}, seed);
  const Tensor k = Tensor::normal({210, 2, 64}, seed + 1);
  const Tensor v = Tensor::normal({210, 2, 64}, seed + 2);
  set_num_threads(1);
  const std::vector<float> one = attention(q, k, v, 7, 0.125).to_vector<float>();
  set_num_threads(2);
  const std::vector<float> two = attention(q, k, v, 7, 0.125).to_vector<float>();
  EXPECT_EQ(one, two);
}

TEST(Attention, RefusesBadShapes) {
  const Tensor q = Tensor::zeros({2, 4, 8});
  const Tensor kv = Tensor::zeros({5, 2, 8});
  expect_error_containing([&] { (void)attention(q, kv, kv, 4, 1.0); },
                          "queries at positions 4..5 need that many keys, there are 5");
  expect_error_containing(
      [&] {
        (void)attention(q, Tensor::zeros({5, 3, 8}), Tensor::zeros({5, 3, 8}), 0, 1.0);
      },
      "4 query heads are not a multiple of 3 kv heads");
  expect_error_containing(
      [&] {
        (void)attention(q, kv, Tensor::zeros({5, 2, 4}), 0, 1.0);
      },
      "must both be [keys, kv_heads, 8]");
  expect_error_containing(
      [&] {
        (void)attention(Tensor::zeros({2, 4}), kv, kv, 0, 1.0);
      },
      "q must be f32 [queries, heads, dim]");
}

}  // namespace
}  // namespace bitnet
