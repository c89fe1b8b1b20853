// The Kolmogorov (two-sided) and Smirnov (one-sided) one-sample distributions, ported from
// scipy 1.10.1: scipy/stats/_ksstats.py (kolmogn and its helpers) and
// scipy/special/cephes/kolmogorov.c (smirnov). The branch structure and every cut-over constant
// are scipy's, so the same (n, d) takes the same algorithm and the results agree to rounding.
//
// Deliberate differences, none of which changes a result beyond ~1e-13 relative:
//   * cephes sums the Smirnov series in double-double arithmetic; this port sums the same terms
//     in long double, each term evaluated in log space from an exactly split n*d.
//   * numpy's matrix products (BLAS) and convolutions sum in a different order.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>
#include <vector>

#include "stats/ks.h"

namespace mw::stats {
namespace {

// What a distribution function returns where it is undefined.
constexpr double kUndefinedProbability = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = std::numbers::pi;
constexpr int kE128 = 128;
const long double kEP128 = std::ldexp(1.0L, kE128);
const long double kEM128 = std::ldexp(1.0L, -kE128);
// cephes MINLOG (log(2**-1075)): below it exp() underflows to zero.
constexpr double kCephesMinLog = -7.451332191019412076235E2;
constexpr int64_t kSmirnovMaxComputeN = 1000000;
constexpr int kSmUpperMaxTerms = 3;
constexpr int kSmUpperSumMinN = 10;
// exp() of anything below this rounds to 0 in double precision.
constexpr long double kLogHalfMinSubnormalBound = -746.0L;
// _ksstats._MIN_LOG
constexpr double kMinLog = -708;

double Clip01(double p) { return p < 0.0 ? 0.0 : (p > 1.0 ? 1.0 : p); }

// ---------------------------------------------------------------------------------------------
// Smirnov (cephes _smirnov), returning the survival function and the CDF.
struct SfCdf {
  double sf;
  double cdf;
};

// n*x split exactly (cephes modNX): nxfl = floor(n*x), alpha = its fractional part, nx = n*x in
// long double.
struct NxSplit {
  int64_t nxfl;
  double alpha;
  long double nx;
};

NxSplit SplitNx(int64_t n, double x) {
  // n*x = nx_hi + nx_lo without rounding.
  const double dn = static_cast<double>(n);
  const double nx_hi = dn * x;
  const double nx_lo = std::fma(dn, x, -nx_hi);
  double floor_hi = std::floor(nx_hi);
  double floor_lo = 0.0;
  if (floor_hi == nx_hi) {
    floor_lo = std::floor(nx_lo);
    const double s = floor_hi + floor_lo;  // quick_two_sum
    floor_lo = floor_lo - (s - floor_hi);
    floor_hi = s;
  }
  double alpha = static_cast<double>((static_cast<long double>(nx_hi) - floor_hi) +
                                     (static_cast<long double>(nx_lo) - floor_lo));
  int64_t nxfl = static_cast<int64_t>(floor_hi);
  if (alpha == 1.0) {
    nxfl += 1;
    alpha = 0.0;
  }
  return {nxfl, alpha, static_cast<long double>(nx_hi) + nx_lo};
}

// The cases cephes answers without the series: x <= 1/n, an underflowing SF, x >= 1 - 1/n, and
// n too large to sum. nullopt otherwise.
std::optional<SfCdf> SmirnovClosedForm(int64_t n, double x, const NxSplit& split) {
  const double dn = static_cast<double>(n);
  // x <= 1/n
  if (split.nxfl == 0 || (split.nxfl == 1 && split.alpha == 0)) {
    const double t = static_cast<double>(std::pow(1.0L + x, static_cast<long double>(n - 1)));
    const double cdf = x * t;
    return SfCdf{Clip01(1 - cdf), Clip01(cdf)};
  }
  // The survival function underflows.
  if (-2.0 * dn * x * x < kCephesMinLog) return SfCdf{0.0, 1.0};
  // x >= 1 - 1/n
  if (split.nxfl >= n - 1) {
    const double sf = static_cast<double>(std::pow(1.0L - x, static_cast<long double>(n)));
    return SfCdf{Clip01(sf), Clip01(1 - sf)};
  }
  // n too large to sum: p ~ e^(-(6nx+1)^2 / 18n)
  if (n > kSmirnovMaxComputeN) {
    const double logp = -std::pow(6.0 * dn * x + 1, 2) / 18.0 / dn;
    double sf, cdf;
    if (logp < -std::numbers::ln2) {
      sf = std::exp(logp);
      cdf = 1 - sf;
    } else {
      cdf = -std::expm1(logp);
      sf = 1 - cdf;
    }
    return SfCdf{Clip01(sf), Clip01(cdf)};
  }
  return std::nullopt;
}

// Birnbaum–Tingey: the lower sum over v = 0..n1mxfl gives the SF; the upper (alternating) sum
// over v = n..n1mxceil gives the CDF and is used only when it has very few terms.
SfCdf SmirnovSeries(int64_t n, double x, const NxSplit& split) {
  const double dn = static_cast<double>(n);
  int64_t n1mxfl = n - split.nxfl - (split.alpha == 0 ? 0 : 1);
  int64_t n1mxceil = n - split.nxfl;
  // If alpha is 0 the last term belongs to neither the lower nor the upper sum.
  if (split.alpha == 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }
  const int64_t n_upper_terms = n - n1mxceil + 1;
  const bool use_upper_sum =
      (n_upper_terms <= 1 && x < 0.5) ||
      (n >= kSmUpperSumMinN && n_upper_terms <= kSmUpperMaxTerms && x <= 0.5 / std::sqrt(dn));

  int64_t start = 0, step = 1, n_terms = n1mxfl + 1;
  long double aj_sum;
  if (use_upper_sum) {
    start = n;
    step = -1;
    n_terms = n - n1mxceil + 1;
    aj_sum = std::pow(1.0L + x, static_cast<long double>(n - 1));
  } else {
    aj_sum = std::pow(1.0L - x, static_cast<long double>(n)) / x;
  }
  const long double nx = split.nx;
  const int64_t vmid = n / 2;
  const long double ln = static_cast<long double>(n);
  long double log_binomial = std::log(ln);  // log C(n, 1)
  for (int64_t j = 1; j < n_terms; ++j) {
    const int64_t v = start + j * step;
    // A_v = C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v); C(n, v) == C(n, j) in both directions.
    const long double t1x = (static_cast<long double>(v) + nx) / ln;
    const long double t2x = (static_cast<long double>(n - v) - nx) / ln;
    double aj = 0.0;
    if (t2x != 0.0L || n - v == 0) {
      long double log_a = log_binomial + static_cast<long double>(v - 1) * std::log(t1x);
      if (n - v != 0) log_a += static_cast<long double>(n - v) * std::log(std::fabs(t2x));
      // Below this the double result is 0 anyway (half the smallest subnormal is e^-744.4);
      // skipping exp() there saves most of the work for the many negligible leading terms.
      if (log_a > kLogHalfMinSubnormalBound) aj = static_cast<double>(std::exp(log_a));
      if (t2x < 0 && (n - v) % 2 != 0) aj = -aj;
    }
    if (std::isfinite(aj) && aj != 0.0) aj_sum += aj;
    // Safe to terminate early?
    if (aj != 0.0) {
      if (4.0 * static_cast<double>(n_terms - j) * std::fabs(aj) <
              DBL_EPSILON * static_cast<double>(aj_sum) &&
          j != n_terms - 1) {
        break;
      }
    } else if (j > vmid) {
      break;
    }
    log_binomial += std::log(static_cast<long double>(n - j) / static_cast<long double>(j + 1));
  }
  const double prob = static_cast<double>(x * aj_sum);
  if (step < 0) return {Clip01(1 - prob), Clip01(prob)};
  return {Clip01(prob), Clip01(1 - prob)};
}

SfCdf SmirnovProbs(int64_t n, double x) {
  if (!(n > 0 && x >= 0.0 && x <= 1.0)) return {kUndefinedProbability, kUndefinedProbability};
  if (n == 1) return {1 - x, x};
  if (x == 0.0) return {1.0, 0.0};
  if (x == 1.0) return {0.0, 1.0};
  const NxSplit split = SplitNx(n, x);
  if (const std::optional<SfCdf> closed = SmirnovClosedForm(n, x, split)) return *closed;
  return SmirnovSeries(n, x, split);
}

// ---------------------------------------------------------------------------------------------
// _ksstats.py

// log(n! / n**n) by Stirling's series.
double LogNFactorialDivNPowN(int64_t n) {
  static constexpr double kStirlingCoeffs[] = {-2.955065359477124183e-2,  6.4102564102564102564e-3,
                                               -1.9175269175269175269e-3, 8.4175084175084175084e-4,
                                               -5.952380952380952381e-4,  7.9365079365079365079e-4,
                                               -2.7777777777777777778e-3, 8.3333333333333333333e-2};
  const double dn = static_cast<double>(n);
  const double rn = 1.0 / dn;
  const double x = rn / dn;
  double poly = 0.0;  // np.polyval (Horner)
  for (double c : kStirlingCoeffs) poly = poly * x + c;
  return std::log(dn) / 2 - dn + std::log(2 * kPi) / 2 + rn * poly;
}

// Row-major square matrix product c = a * b.
void MatMul(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& c,
            int m) {
  std::fill(c.begin(), c.end(), 0.0);
  for (int i = 0; i < m; ++i) {
    double* ci = &c[static_cast<size_t>(i) * m];
    for (int k = 0; k < m; ++k) {
      const double aik = a[static_cast<size_t>(i) * m + k];
      if (aik == 0.0) continue;
      const double* bk = &b[static_cast<size_t>(k) * m];
      for (int j = 0; j < m; ++j) ci[j] += aik * bk[j];
    }
  }
}

// Pr(D_n <= d) by Durbin's matrix algorithm as organised by Marsaglia, Tsang & Wang.
double KolmogornDmtwCdf(int64_t n, double d) {
  if (d >= 1.0) return 1.0;
  const double nd = static_cast<double>(n) * d;
  if (nd <= 0.5) return 0.0;
  const int k = static_cast<int>(std::ceil(nd));
  const double h = k - nd;
  const int m = 2 * k - 1;
  const size_t mm = static_cast<size_t>(m);

  std::vector<double> v(mm), w(mm);
  double fac = 1.0;
  for (int j = 1; j <= m; ++j) {
    v[j - 1] = 1.0 - std::pow(h, j);
    w[j - 1] = fac;
    fac /= j;  // may underflow; harmless
    v[j - 1] *= fac;
  }
  const double tt = std::pow(std::max(2 * h - 1.0, 0.0), m) - 2 * std::pow(h, m);
  v[mm - 1] = (1.0 + tt) * fac;

  std::vector<double> hm(mm * mm, 0.0);
  for (int i = 1; i < m; ++i) {
    for (int r = i - 1; r < m; ++r) hm[static_cast<size_t>(r) * mm + i] = w[r - (i - 1)];
  }
  for (size_t r = 0; r < mm; ++r) hm[r * mm] = v[r];
  for (size_t c = 0; c < mm; ++c) hm[(mm - 1) * mm + c] = v[mm - 1 - c];

  std::vector<double> power(mm * mm, 0.0), scratch(mm * mm);
  for (size_t i = 0; i < mm; ++i) power[i * mm + i] = 1.0;
  int64_t nn = n;
  int expnt = 0;
  int h_expnt = 0;
  const size_t kk = static_cast<size_t>(k - 1) * mm + (k - 1);
  while (nn > 0) {
    if (nn % 2) {
      MatMul(power, hm, scratch, m);
      power.swap(scratch);
      expnt += h_expnt;
    }
    nn /= 2;
    if (nn == 0) break;  // scipy squares once more, but never uses the result
    MatMul(hm, hm, scratch, m);
    hm.swap(scratch);
    h_expnt *= 2;
    if (std::fabs(hm[kk]) > static_cast<double>(kEP128)) {
      for (double& e : hm) e = static_cast<double>(e / kEP128);
      h_expnt += kE128;
    }
  }
  long double p = power[kk];
  // Multiply by n!/n^n.
  const long double ln = static_cast<long double>(n);
  for (int64_t i = 1; i <= n; ++i) {
    p = static_cast<long double>(i) * p / ln;
    if (std::fabs(p) < kEM128) {
      p *= kEP128;
      expnt -= kE128;
    }
  }
  if (expnt != 0) p = std::ldexp(p, expnt);
  return Clip01(static_cast<double>(p));
}

// The endpoints of the non-zero interval of row i in Pomeranz's recursion.
void PomeranzJ1J2(int64_t i, int64_t n, int64_t ll, int64_t ceilf, int64_t roundf, int64_t* j1_out,
                  int64_t* j2_out) {
  int64_t j1, j2;
  if (i == 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const int64_t ip1div2 = (i + 1) / 2, ip1mod2 = (i + 1) % 2;
    if (ip1mod2 == 0) {  // i is odd
      if (ip1div2 == n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  *j1_out = std::max<int64_t>(j1 + 2, 0);
  *j2_out = std::min(j2, n);
}

// Pr(D_n <= x) by Pomeranz's recursion (used for n <= 140).
double KolmogornPomeranzCdf(int64_t n, double x) {
  const double dn = static_cast<double>(n);
  const double t = dn * x;
  const int64_t ll = static_cast<int64_t>(std::floor(t));
  const double f = t - static_cast<double>(ll);
  const double g = std::min(f, 1.0 - f);
  const int64_t ceilf = f > 0 ? 1 : 0;
  const int64_t roundf = f > 0.5 ? 1 : 0;
  const int64_t npwrs = 2 * (ll + 1);
  const size_t np = static_cast<size_t>(npwrs);
  std::vector<double> gpower(np), twogpower(np), onem2gpower(np);
  gpower[0] = twogpower[0] = onem2gpower[0] = 1.0;
  const double g_over_n = g / dn, two_g_over_n = 2 * g / dn,
               one_minus_two_g_over_n = (1 - 2 * g) / dn;
  for (size_t m = 1; m < np; ++m) {
    gpower[m] = gpower[m - 1] * g_over_n / static_cast<double>(m);
    twogpower[m] = twogpower[m - 1] * two_g_over_n / static_cast<double>(m);
    onem2gpower[m] = onem2gpower[m - 1] * one_minus_two_g_over_n / static_cast<double>(m);
  }

  std::vector<double> v0(np, 0.0), v1(np, 0.0), conv;
  v1[0] = 1.0;
  int64_t v0s = 0, v1s = 0;
  int expnt = 0;
  int64_t j1, j2;
  PomeranzJ1J2(0, n, ll, ceilf, roundf, &j1, &j2);
  for (int64_t i = 1; i < 2 * n + 2; ++i) {
    const int64_t k1 = j1;
    std::swap(v0, v1);
    std::swap(v0s, v1s);
    std::fill(v1.begin(), v1.end(), 0.0);
    PomeranzJ1J2(i, n, ll, ceilf, roundf, &j1, &j2);
    const std::vector<double>& pwrs =
        (i == 1 || i == 2 * n + 1) ? gpower : (i % 2 ? twogpower : onem2gpower);
    const int64_t ln2 = j2 - k1 + 1;
    if (ln2 <= 0) continue;
    // np.convolve(V0[k1 - V0s : k1 - V0s + ln2], pwrs[:ln2]) with numpy's slice clipping.
    const int64_t a_begin = std::clamp<int64_t>(k1 - v0s, 0, npwrs);
    const int64_t a_end = std::clamp<int64_t>(k1 - v0s + ln2, a_begin, npwrs);
    const int64_t a_len = a_end - a_begin;
    const int64_t b_len = std::min(ln2, npwrs);
    if (a_len <= 0 || b_len <= 0) continue;
    conv.assign(static_cast<size_t>(a_len + b_len - 1), 0.0);
    for (int64_t p = 0; p < a_len; ++p) {
      const double a = v0[static_cast<size_t>(a_begin + p)];
      if (a == 0.0) continue;
      for (int64_t q = 0; q < b_len; ++q) conv[static_cast<size_t>(p + q)] += a * pwrs[q];
    }
    const int64_t conv_start = j1 - k1;
    const int64_t conv_len = j2 - j1 + 1;
    double vmax = -std::numeric_limits<double>::infinity();
    for (int64_t q = 0; q < conv_len && q < npwrs; ++q) {
      const int64_t src = conv_start + q;
      if (src >= 0 && src < static_cast<int64_t>(conv.size())) {
        v1[static_cast<size_t>(q)] = conv[static_cast<size_t>(src)];
      }
    }
    for (double e : v1) vmax = std::max(vmax, e);
    // Scale to avoid underflow.
    if (0 < vmax && vmax < static_cast<double>(kEM128)) {
      for (double& e : v1) e = static_cast<double>(e * kEP128);
      expnt -= kE128;
    }
    v1s = v0s + j1 - k1;
  }
  // Multiply by n!.
  long double ans = v1[static_cast<size_t>(n - v1s)];
  for (int64_t m = 1; m <= n; ++m) {
    if (std::fabs(ans) > kEP128) {
      ans *= kEM128;
      expnt += kE128;
    }
    ans *= static_cast<long double>(m);
  }
  if (expnt != 0) ans = std::ldexp(ans, expnt);
  return Clip01(static_cast<double>(ans));
}

// The Pelz–Good approximation to Pr(D_n <= x).
double KolmogornPelzGoodCdf(int64_t n, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double dn = static_cast<double>(n);
  const double pi2 = kPi * kPi, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
  const double sqrt2pi = std::sqrt(2 * kPi);
  const double z = std::sqrt(dn) * x;
  const double zsquared = z * z, zthree = std::pow(z, 3), zfour = std::pow(z, 4),
               zsix = std::pow(z, 6);

  const double qlog = -pi2 / 8 / zsquared;
  if (qlog < kMinLog) return 0.0;
  double q = std::exp(qlog);

  const double k1a = -zsquared;
  const double k1b = pi2 / 4;
  const double k2a = 6 * zsix + 2 * zfour;
  const double k2b = (2 * zfour - 5 * zsquared) * pi2 / 4;
  const double k2c = pi4 * (1 - 2 * zsquared) / 16;
  const double k3d = pi6 * (5 - 30 * zsquared) / 64;
  const double k3c = pi4 * (-60 * zsquared + 212 * zfour) / 16;
  const double k3b = pi2 * (135 * zfour - 96 * zsix) / 4;
  const double k3a = -30 * zsix - 90 * std::pow(z, 8);

  double k0to3[4] = {0, 0, 0, 0};
  // Horner scheme over odd m = 2k - 1 for sum c_m q^(m^2).
  const int64_t maxk = static_cast<int64_t>(std::ceil(16 * z / kPi));
  for (int64_t k = maxk; k > 0; --k) {
    const double m = static_cast<double>(2 * k - 1);
    const double msquared = m * m, mfour = std::pow(m, 4), msix = std::pow(m, 6);
    const double qpower = std::pow(q, static_cast<double>(8 * k));
    const double coeffs[4] = {1.0, k1a + k1b * msquared, k2a + k2b * msquared + k2c * mfour,
                              k3a + k3b * msquared + k3c * mfour + k3d * msix};
    for (int i = 0; i < 4; ++i) {
      k0to3[i] *= qpower;
      k0to3[i] += coeffs[i];
    }
  }
  const double divisors[4] = {z, 6 * zfour, 72 * std::pow(z, 7), 6480 * std::pow(z, 10)};
  for (int i = 0; i < 4; ++i) {
    k0to3[i] *= q;
    k0to3[i] *= sqrt2pi;
    k0to3[i] /= divisors[i];
  }

  // The sums over all integers k for K_2 and K_3.
  q = std::exp(-pi2 / 2 / zsquared);
  const double sqrt3z = std::sqrt(3.0) * z;
  double k2extra = 0.0, k3extra = 0.0;
  for (int64_t k = maxk; k > 0; --k) {
    const double dk = static_cast<double>(k);
    const double ksquared = static_cast<double>(k * k);
    const double qpwer = std::pow(q, ksquared);
    const double kspi = kPi * dk;
    k2extra += ksquared * qpwer;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwer;
  }
  k2extra *= pi2 * sqrt2pi / (-36 * zthree);
  k0to3[2] += k2extra;
  k3extra *= pi2 * sqrt2pi / (216 * zsix);
  k0to3[3] += k3extra;
  double sum = 0.0;
  for (int i = 0; i < 4; ++i) sum += k0to3[i] / std::pow(dn, i / 2.0);
  return sum;
}

// _kolmogn(n, x, cdf=False): Simard & L'Ecuyer's selection of algorithm for the SF.
double KolmogornSf(int64_t n, double x) {
  if (n <= 0) return kUndefinedProbability;
  if (x >= 1.0) return 0.0;
  if (x <= 0.0) return 1.0;
  const double dn = static_cast<double>(n);
  const double t = dn * x;
  if (t <= 1.0) {  // Ruben–Gambino: 1/2n <= x <= 1/n
    if (t <= 0.5) return 1.0;
    double prob;
    if (n <= 140) {
      prob = 1.0;
      for (int64_t i = 1; i <= n; ++i) prob *= static_cast<double>(i) * (1.0 / dn) * (2 * t - 1);
    } else {
      prob = std::exp(LogNFactorialDivNPowN(n) + dn * std::log(2 * t - 1));
    }
    return Clip01(1.0 - prob);
  }
  if (t >= dn - 1) return Clip01(2 * std::pow(1.0 - x, dn));  // Ruben–Gambino
  if (x >= 0.5) return Clip01(2 * SmirnovProbs(n, x).sf);     // exact: 2 * smirnov

  const double nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) return Clip01(1.0 - KolmogornDmtwCdf(n, x));
    if (nxsquared <= 4) return Clip01(1.0 - KolmogornPomeranzCdf(n, x));
    return Clip01(2 * SmirnovProbs(n, x).sf);  // Miller's approximation
  }
  if (nxsquared >= 370.0) return 0.0;
  if (nxsquared >= 2.2) return Clip01(2 * SmirnovProbs(n, x).sf);
  double cdf;
  if (nxsquared >= 18.0) {
    cdf = 1.0;
  } else if (n <= 100000 && dn * std::pow(x, 1.5) <= 1.4) {
    cdf = KolmogornDmtwCdf(n, x);
  } else {
    cdf = KolmogornPelzGoodCdf(n, x);
  }
  return Clip01(1.0 - cdf);
}

}  // namespace

double KolmogorovTwoSidedSf(int64_t n, double d) {
  if (n < 1 || std::isnan(d)) return kUndefinedProbability;
  // rv_continuous.sf: 1 at or below the support's lower end 0.5/n, 0 at or above 1.
  if (d <= 0.5 / static_cast<double>(n)) return 1.0;
  if (d >= 1.0) return 0.0;
  return KolmogornSf(n, d);
}

double SmirnovSf(int64_t n, double d) {
  if (std::isnan(d)) return kUndefinedProbability;
  return SmirnovProbs(n, d).sf;
}

}  // namespace mw::stats
