#ifndef SOILMAP_THEIL_SEN_H
#define SOILMAP_THEIL_SEN_H

#include <stdint.h>

/// 1 when this CPU runs the AVX2 kernel below, else 0 (callers then use their portable path).
int soilmap_theil_sen_has_avx2(void);

/// The Theil-Sen slope of n points: the median of (values[j] - values[i]) / (years[j] - years[i]) over all
/// i < j, as numpy's median takes it (the middle value, or the mean of the two middle ones). Exact: the same
/// slopes (IEEE division) and the same order statistics as any correct selection, so the same bits.
/// No NaN in values or years; n >= 2; scratch holds at least 3 * (n (n - 1) / 2 + 8) doubles.
/// Only call it when soilmap_theil_sen_has_avx2() is 1.
double soilmap_theil_sen_avx2(const double *years, const double *values, long n, double *scratch);

/// Mann-Kendall over eight series at once. values: year-major, 8 doubles per year (NaN = missing year);
/// for each of the 8 lanes: s = the sum of sign(x_j - x_i) over i < j; with_ties: tie_variance_term = the sum over
/// values of c (2c + 7) and tied_pairs_twice = the sum of c, c being the count of the other values equal to it.
/// tie_scratch: 4 * years int64. Only call it when soilmap_theil_sen_has_avx2() is 1.
void soilmap_mann_kendall8_avx2(const double *values, long years, int with_ties, int64_t *s,
                                int64_t *tie_variance_term, int64_t *tied_pairs_twice, int64_t *tie_scratch);

#endif
