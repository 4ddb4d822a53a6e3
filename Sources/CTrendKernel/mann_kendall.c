// Mann-Kendall S and tie counts of eight series at once with AVX2 (two halves of four doubles): the 190 pair
// comparisons of a 20-year series are most of the trend kernel's work outside Theil-Sen, and the portable Swift
// SIMD8 path runs them two doubles at a time. Counts are integers, so both paths give the same values exactly.
#include "theil_sen.h"

#include <immintrin.h>
#include <stdint.h>

#define AVX2 __attribute__((target("avx2")))

AVX2 void soilmap_mann_kendall8_avx2(const double *values, long years, int with_ties, int64_t *s,
                                     int64_t *tie_variance_term, int64_t *tied_pairs_twice, int64_t *tie_scratch) {
    const __m256d zero = _mm256_setzero_pd();
    for (long half = 0; half < 2; half++) {
        const double *column = values + 4 * half;
        __m256i sum = _mm256_setzero_si256(), variance_term = _mm256_setzero_si256(), pairs_twice = _mm256_setzero_si256();
        __m256i *ties = (__m256i *)tie_scratch;
        if (with_ties) {
            for (long year = 0; year < years; year++) _mm256_storeu_si256(ties + year, _mm256_setzero_si256());
        }
        for (long i = 0; i < years; i++) {
            const __m256d earlier = _mm256_loadu_pd(column + 8 * i);
            // A comparison's mask is all ones (-1) where true: subtracting it counts one. A NaN (missing year)
            // compares false to everything (ordered predicates), so it counts neither as a sign nor as a tie.
            __m256i greater = _mm256_setzero_si256(), less = _mm256_setzero_si256(), ties_of_earlier = _mm256_setzero_si256();
            for (long j = i + 1; j < years; j++) {
                const __m256d difference = _mm256_sub_pd(_mm256_loadu_pd(column + 8 * j), earlier);
                greater = _mm256_sub_epi64(greater, _mm256_castpd_si256(_mm256_cmp_pd(difference, zero, _CMP_GT_OQ)));
                less = _mm256_sub_epi64(less, _mm256_castpd_si256(_mm256_cmp_pd(difference, zero, _CMP_LT_OQ)));
                if (with_ties) {
                    const __m256i tie = _mm256_castpd_si256(_mm256_cmp_pd(difference, zero, _CMP_EQ_OQ));
                    ties_of_earlier = _mm256_sub_epi64(ties_of_earlier, tie);
                    _mm256_storeu_si256(ties + j, _mm256_sub_epi64(_mm256_loadu_si256(ties + j), tie));
                }
            }
            sum = _mm256_add_epi64(sum, _mm256_sub_epi64(greater, less));
            if (with_ties) {
                // c = the other values equal to value i; c x (2c + 7), c < 2^31, by the 32 x 32 -> 64-bit multiply.
                const __m256i c = _mm256_add_epi64(ties_of_earlier, _mm256_loadu_si256(ties + i));
                const __m256i factor = _mm256_add_epi64(_mm256_add_epi64(c, c), _mm256_set1_epi64x(7));
                variance_term = _mm256_add_epi64(variance_term, _mm256_mul_epu32(c, factor));
                pairs_twice = _mm256_add_epi64(pairs_twice, c);
            }
        }
        _mm256_storeu_si256((__m256i *)(s + 4 * half), sum);
        _mm256_storeu_si256((__m256i *)(tie_variance_term + 4 * half), variance_term);
        _mm256_storeu_si256((__m256i *)(tied_pairs_twice + 4 * half), pairs_twice);
    }
}
