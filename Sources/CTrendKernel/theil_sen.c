// The Theil-Sen median with AVX2: the pairwise slopes four at a time, then a selection whose partition passes
// compare four slopes at once and pack the lower and upper ones with a permutation (no branch per value).
// A C target because Swift cannot compile one function for AVX2 and keep the rest of the binary portable;
// the attribute below does exactly that, and soilmap_theil_sen_has_avx2 picks it at run time.
#include "theil_sen.h"

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#define AVX2 __attribute__((target("avx2,popcnt")))

int soilmap_theil_sen_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
}

// For a 4-bit mask of chosen lanes: the 32-bit indices that move those doubles to the front, in lane order.
static const int32_t pack_indices[16][8] = {
    {0, 1, 0, 1, 0, 1, 0, 1}, {0, 1, 0, 1, 0, 1, 0, 1}, {2, 3, 0, 1, 0, 1, 0, 1}, {0, 1, 2, 3, 0, 1, 0, 1},
    {4, 5, 0, 1, 0, 1, 0, 1}, {0, 1, 4, 5, 0, 1, 0, 1}, {2, 3, 4, 5, 0, 1, 0, 1}, {0, 1, 2, 3, 4, 5, 0, 1},
    {6, 7, 0, 1, 0, 1, 0, 1}, {0, 1, 6, 7, 0, 1, 0, 1}, {2, 3, 6, 7, 0, 1, 0, 1}, {0, 1, 2, 3, 6, 7, 0, 1},
    {4, 5, 6, 7, 0, 1, 0, 1}, {0, 1, 4, 5, 6, 7, 0, 1}, {2, 3, 4, 5, 6, 7, 0, 1}, {0, 1, 2, 3, 4, 5, 6, 7},
};

// Stores the chosen lanes of v at dst (writing 4 doubles: dst needs room past the end) and returns how many.
AVX2 static inline long pack_store(double *dst, __m256d v, int mask) {
    __m256i indices = _mm256_loadu_si256((const __m256i *)pack_indices[mask]);
    _mm256_storeu_pd(dst, _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(v), indices)));
    return __builtin_popcount((unsigned)mask);
}

static inline double median_of_three(double a, double b, double c) {
    if (a > b) { double t = a; a = b; b = t; }
    if (b > c) { b = c; }
    return a > b ? a : b;
}

AVX2 double soilmap_theil_sen_avx2(const double *years, const double *values, long n, double *scratch) {
    const long pairs = n * (n - 1) / 2;
    double *buffers[3] = {scratch, scratch + pairs + 8, scratch + 2 * (pairs + 8)};
    double *source = buffers[0];

    // The slopes, in the order i < j, each an IEEE division as the scalar code does it.
    long count = 0;
    for (long i = 0; i < n; i++) {
        const __m256d value_i = _mm256_set1_pd(values[i]), year_i = _mm256_set1_pd(years[i]);
        long j = i + 1;
        for (; j + 4 <= n; j += 4) {
            __m256d rise = _mm256_sub_pd(_mm256_loadu_pd(values + j), value_i);
            __m256d run = _mm256_sub_pd(_mm256_loadu_pd(years + j), year_i);
            _mm256_storeu_pd(source + count, _mm256_div_pd(rise, run));
            count += 4;
        }
        for (; j < n; j++) source[count++] = (values[j] - values[i]) / (years[j] - years[i]);
    }

    // k: the upper middle's rank in the part still searched. below: the largest value left out below that
    // part (a pivot, once the search has moved above one), for the lower middle of an even count.
    const int even = pairs % 2 == 0;
    long k = pairs / 2;
    double below = -INFINITY;
    int source_index = 0;
    // Partition down to 8 values: the insertion sort below mispredicts a branch per step, and on 24 values it took
    // a quarter of this function's time; the vector passes on small counts are cheaper (sen_slope alone: -12 % CPU).
    while (count > 8) {
        const double pivot = median_of_three(source[count / 4], source[count / 2], source[3 * count / 4]);
        double *lower = buffers[(source_index + 1) % 3], *upper = buffers[(source_index + 2) % 3];
        const __m256d pivots = _mm256_set1_pd(pivot);
        long lower_count = 0, upper_count = 0, index = 0;
        for (; index + 4 <= count; index += 4) {
            const __m256d v = _mm256_loadu_pd(source + index);
            lower_count += pack_store(lower + lower_count, v, _mm256_movemask_pd(_mm256_cmp_pd(v, pivots, _CMP_LT_OQ)));
            upper_count += pack_store(upper + upper_count, v, _mm256_movemask_pd(_mm256_cmp_pd(v, pivots, _CMP_GT_OQ)));
        }
        for (; index < count; index++) {
            const double v = source[index];
            if (v < pivot) lower[lower_count++] = v;
            else if (v > pivot) upper[upper_count++] = v;
        }
        const long equal_count = count - lower_count - upper_count;
        if (k < lower_count) {
            source_index = (source_index + 1) % 3;
            count = lower_count;
        } else if (k < lower_count + equal_count) {
            if (!even) return pivot;
            double lower_middle = pivot;
            if (k == lower_count) {
                // The lower middle is the largest value below the pivot: in `lower`, or left out before.
                lower_middle = below;
                for (long i = 0; i < lower_count; i++) if (lower[i] > lower_middle) lower_middle = lower[i];
            }
            return (lower_middle + pivot) / 2;
        } else {
            k -= lower_count + equal_count;
            below = pivot;
            source_index = (source_index + 2) % 3;
            count = upper_count;
        }
        source = buffers[source_index];
    }
    // The last few (at most 8): insertion sort.
    for (long i = 1; i < count; i++) {
        const double v = source[i];
        long position = i - 1;
        while (position >= 0 && source[position] > v) { source[position + 1] = source[position]; position--; }
        source[position + 1] = v;
    }
    const double upper_middle = source[k];
    if (!even) return upper_middle;
    const double lower_middle = k > 0 ? source[k - 1] : below;
    return (lower_middle + upper_middle) / 2;
}
