// Branch-free float approximations of exp, tanh and erf that the compiler vectorises (libm's
// expf/tanhf/erff are calls it cannot), accurate to a few ulp; double uses libm.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace nnload::linalg::math {

// exp: Cody-Waite reduction x = n ln2 + r, a degree-6 polynomial for exp(r) (Cephes' expf
// coefficients), and 2^n applied as two halves so that results down to the subnormals and up to
// overflow come out right. Rounding uses the 1.5 * 2^23 trick: no float-to-int conversion,
// which would be undefined for NaN. NaN propagates, -inf gives 0, +inf gives inf.
inline float exp(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f;
  constexpr float kLn2Lo = -2.12194440e-4f;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23
  x = std::min(std::max(x, -104.0f), 88.8f);
  const float t = x * kLog2e + kRound;
  const float n = t - kRound;
  const std::int32_t ni = std::bit_cast<std::int32_t>(t) - std::bit_cast<std::int32_t>(kRound);
  const float r = x - n * kLn2Hi - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const std::int32_t n1 = ni >> 1;
  const std::int32_t n2 = ni - n1;
  const float s1 = std::bit_cast<float>((n1 + 127) << 23);
  const float s2 = std::bit_cast<float>((n2 + 127) << 23);
  return p * s1 * s2;
}
inline double exp(double x) { return std::exp(x); }

// tanh: Eigen's odd/even rational approximation on [-9, 9] (beyond, tanh is +-1 in float);
// near zero tanh(x) = x to float precision.
inline float tanh(float x) {
  const float clamped = std::min(std::max(x, -9.0f), 9.0f);
  const float x2 = clamped * clamped;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * clamped;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return std::abs(x) < 0.0004f ? x : p / q;
}
inline double tanh(double x) { return std::tanh(x); }

// erf: Eigen's rational approximation on [-4, 4] (beyond, erf is +-1 in float).
inline float erf(float x) {
  const float clamped = std::min(std::max(x, -4.0f), 4.0f);
  const float x2 = clamped * clamped;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  p = p * clamped;
  float q = -1.45660718464996e-05f;
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  return p / q;
}
inline double erf(double x) { return std::erf(x); }

// log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
template <class T>
T softplus(T x) {
  return std::max(x, T(0)) + std::log1p(math::exp(-std::abs(x)));
}

template <class T>
T sigmoid(T x) {
  return T(1) / (T(1) + math::exp(-x));
}

}  // namespace nnload::linalg::math
