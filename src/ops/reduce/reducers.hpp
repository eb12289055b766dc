// The Reduce* ops' element rules as linalg::reduce reducers. Floating-point sums accumulate in
// double; integer sums and products in uint64 so that overflow wraps (as ONNX Runtime's
// fixed-width arithmetic does) without undefined behaviour.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace nnload::ops::reducers {

template <class T>
using SumAcc = std::conditional_t<std::is_floating_point_v<T>, double, std::uint64_t>;

// double -> T for results that are computed in double (sqrt, log) from integer inputs:
// NaN becomes 0 and out-of-range values saturate, instead of being undefined.
template <class T>
T saturate(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    if (!(v == v)) return T{0};
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) {
      return std::numeric_limits<T>::max();
    }
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) {
      return std::numeric_limits<T>::lowest();
    }
    return static_cast<T>(v);
  }
}

// The accumulated value as a signed number (integer accumulators wrap modulo 2^64).
template <class T>
auto signed_value(SumAcc<T> a) {
  if constexpr (std::is_floating_point_v<T>) {
    return a;
  } else {
    return static_cast<std::int64_t>(a);
  }
}

template <class T>
struct Additive {
  using Acc = SumAcc<T>;
  T* y;
  std::int64_t n;
  Acc init() const { return Acc{0}; }
  Acc combine(Acc a, Acc b) const { return a + b; }
};

template <class T>
struct Sum : Additive<T> {
  using Acc = SumAcc<T>;
  Acc map(T x, std::int64_t) const { return static_cast<Acc>(x); }
  void store(std::int64_t o, Acc a) const { this->y[o] = static_cast<T>(signed_value<T>(a)); }
};

template <class T>
struct Mean : Sum<T> {
  using Acc = SumAcc<T>;
  void store(std::int64_t o, Acc a) const {
    if constexpr (std::is_floating_point_v<T>) {
      this->y[o] = static_cast<T>(a / static_cast<double>(this->n));
    } else {
      this->y[o] = this->n == 0 ? T{0} : static_cast<T>(signed_value<T>(a) / this->n);
    }
  }
};

template <class T>
struct L1 : Additive<T> {
  using Acc = SumAcc<T>;
  Acc map(T x, std::int64_t) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::abs(static_cast<double>(x));
    } else {
      return x < 0 ? Acc{0} - static_cast<Acc>(x) : static_cast<Acc>(x);
    }
  }
  void store(std::int64_t o, Acc a) const { this->y[o] = static_cast<T>(signed_value<T>(a)); }
};

template <class T>
struct SumSquare : Additive<T> {
  using Acc = SumAcc<T>;
  Acc map(T x, std::int64_t) const { return static_cast<Acc>(x) * static_cast<Acc>(x); }
  void store(std::int64_t o, Acc a) const { this->y[o] = static_cast<T>(signed_value<T>(a)); }
};

template <class T>
struct L2 : SumSquare<T> {
  using Acc = SumAcc<T>;
  void store(std::int64_t o, Acc a) const {
    this->y[o] = saturate<T>(std::sqrt(static_cast<double>(signed_value<T>(a))));
  }
};

template <class T>
struct LogSum : Sum<T> {
  using Acc = SumAcc<T>;
  void store(std::int64_t o, Acc a) const {
    this->y[o] = saturate<T>(std::log(static_cast<double>(signed_value<T>(a))));
  }
};

// sum(exp(x - shift)) for a per-output shift (the maximum, or 0 where that is not finite);
// the result is log(sum) + shift. Floating point only.
template <class T>
struct LogSumExp {
  using Acc = double;
  T* y;
  const double* shift;
  double init() const { return 0; }
  double map(T x, std::int64_t o) const { return std::exp(static_cast<double>(x) - shift[o]); }
  double combine(double a, double b) const { return a + b; }
  void store(std::int64_t o, double a) const { y[o] = static_cast<T>(std::log(a) + shift[o]); }
};

template <class T>
struct Prod {
  using Acc = SumAcc<T>;
  T* y;
  Acc init() const { return Acc{1}; }
  Acc map(T x, std::int64_t) const { return static_cast<Acc>(x); }
  Acc combine(Acc a, Acc b) const { return a * b; }
  void store(std::int64_t o, Acc a) const { y[o] = static_cast<T>(signed_value<T>(a)); }
};

// Max and Min propagate NaN as numpy's maximum.reduce does. The empty reduction gives -inf
// (+inf) for floats and the type's lowest (highest) value otherwise, as ONNX specifies.
template <class T, class Out = T>
struct Max {
  using Acc = T;
  Out* y;
  T init() const {
    if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
    return std::numeric_limits<T>::lowest();
  }
  T map(T x, std::int64_t) const { return x; }
  T combine(T a, T b) const { return (b > a || b != b) ? b : a; }
  void store(std::int64_t o, T a) const { y[o] = static_cast<Out>(a); }
};

template <class T, class Out = T>
struct Min {
  using Acc = T;
  Out* y;
  T init() const {
    if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
    return std::numeric_limits<T>::max();
  }
  T map(T x, std::int64_t) const { return x; }
  T combine(T a, T b) const { return (b < a || b != b) ? b : a; }
  void store(std::int64_t o, T a) const { y[o] = static_cast<Out>(a); }
};

}  // namespace nnload::ops::reducers
