/*
** ksimd.h — internal helpers shared by the kernel files: the simde include,
** 8-row blocks of each numeric type, validity-bit access and the branch-free
** "mask -> row indices" emitter used by every selection kernel.
**
** The vector code is written against simde's AVX2 API, plus AVX-512 in
** the two places where that is native and pays (k_emit16 here, the 8-lane
** hash in hash.c). With -march=native it compiles to AVX2/AVX-512
** instructions; without -m flags simde lowers it to SSE2/scalar code with
** the same results (correct, but not faster than the _ref loops there).
*/
#ifndef K_KSIMD_H
#define K_KSIMD_H

#include <stdint.h>
#include <string.h>
#include <simde/x86/avx2.h>
#if defined(SIMDE_X86_AVX512F_NATIVE)
#include <simde/x86/avx512.h>
#endif
#include "kernels.h"

#define K_INLINE static inline __attribute__((always_inline))

/* Bit i of a validity bitmap that is known not to be NULL, as 0/1. */
K_INLINE unsigned k_bit(const uint64_t *v, uint32_t i)
{
    return (unsigned)(v[i >> 6] >> (i & 63)) & 1u;
}

/* The 8 validity bits of rows i..i+7; i must be a multiple of 8. */
K_INLINE unsigned k_vbyte(const uint64_t *v, uint32_t i)
{
    return (unsigned)(v[i >> 6] >> (i & 63)) & 0xffu;
}

/* The 16 validity bits of rows i..i+15; i must be a multiple of 16. */
K_INLINE unsigned k_vword(const uint64_t *v, uint32_t i)
{
    return (unsigned)(v[i >> 6] >> (i & 63)) & 0xffffu;
}

/* Sets bit i of v to on (0/1) without branching. */
K_INLINE void k_bit_put(uint64_t *v, uint32_t i, unsigned on)
{
    uint64_t b = (uint64_t)1 << (i & 63);
    v[i >> 6] = (v[i >> 6] & ~b) | (((uint64_t)0 - (uint64_t)on) & b);
}

extern const uint8_t k_sel_lut[256][8];

/* Appends base + (positions of the set bits of m) to out[k..] and returns
** the new count. Always stores eight indices: the caller guarantees
** k + 8 <= capacity of out (true in the dense loops, where k <= base and
** base + 8 <= n). */
K_INLINE uint32_t k_emit8(uint32_t *out, uint32_t k, uint32_t base, unsigned m)
{
    simde__m128i pos = simde_mm_loadl_epi64((const simde__m128i *)(const void *)k_sel_lut[m]);
    simde__m256i idx = simde_mm256_add_epi32(simde_mm256_cvtepu8_epi32(pos),
                                             simde_mm256_set1_epi32((int32_t)base));
    simde_mm256_storeu_si256((simde__m256i *)(void *)(out + k), idx);
    return k + (uint32_t)__builtin_popcount(m);
}

/* The same for the 16 bits of m at base..base+15 (k + 16 <= capacity).
** With native AVX-512 one compress replaces two table lookups; it is the
** register form followed by a plain store because compress-to-memory is
** microcoded and slow on Zen 4. */
K_INLINE uint32_t k_emit16(uint32_t *out, uint32_t k, uint32_t base, unsigned m)
{
#if defined(SIMDE_X86_AVX512F_NATIVE)
    const simde__m512i iota = simde_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    simde__m512i idx = simde_mm512_add_epi32(iota, simde_mm512_set1_epi32((int32_t)base));
    simde_mm512_storeu_si512(out + k, simde_mm512_maskz_compress_epi32((simde__mmask16)m, idx));
    return k + (uint32_t)__builtin_popcount(m);
#else
    k = k_emit8(out, k, base, m & 0xffu);
    return k_emit8(out, k, base + 8, m >> 8);
#endif
}

/* ---- 8-row blocks: one AVX2 register of i32, two of i64/f64 ------------ */
typedef struct { simde__m256i v; } k8_i32;
typedef struct { simde__m256i v[2]; } k8_i64;
typedef struct { simde__m256d v[2]; } k8_f64;

K_INLINE k8_i32 k8_load_i32(const int32_t *p)
{
    return (k8_i32){ simde_mm256_loadu_si256((const void *)p) };
}
K_INLINE k8_i64 k8_load_i64(const int64_t *p)
{
    return (k8_i64){ { simde_mm256_loadu_si256((const void *)p),
                       simde_mm256_loadu_si256((const void *)(p + 4)) } };
}
K_INLINE k8_f64 k8_load_f64(const double *p)
{
    return (k8_f64){ { simde_mm256_loadu_pd(p), simde_mm256_loadu_pd(p + 4) } };
}
K_INLINE void k8_store_i32(int32_t *p, k8_i32 x)
{
    simde_mm256_storeu_si256((void *)p, x.v);
}
K_INLINE void k8_store_i64(int64_t *p, k8_i64 x)
{
    simde_mm256_storeu_si256((void *)p, x.v[0]);
    simde_mm256_storeu_si256((void *)(p + 4), x.v[1]);
}
K_INLINE void k8_store_f64(double *p, k8_f64 x)
{
    simde_mm256_storeu_pd(p, x.v[0]);
    simde_mm256_storeu_pd(p + 4, x.v[1]);
}
K_INLINE k8_i32 k8_set1_i32(int32_t c) { return (k8_i32){ simde_mm256_set1_epi32(c) }; }
K_INLINE k8_i64 k8_set1_i64(int64_t c)
{
    simde__m256i v = simde_mm256_set1_epi64x(c);
    return (k8_i64){ { v, v } };
}
K_INLINE k8_f64 k8_set1_f64(double c)
{
    simde__m256d v = simde_mm256_set1_pd(c);
    return (k8_f64){ { v, v } };
}

/* The sign bits of the 8 lanes as a mask (lane j -> bit j). */
K_INLINE unsigned k8_signs_i32(simde__m256i v)
{
    return (unsigned)simde_mm256_movemask_ps(simde_mm256_castsi256_ps(v));
}
K_INLINE unsigned k8_signs_i64(simde__m256i lo, simde__m256i hi)
{
    return (unsigned)simde_mm256_movemask_pd(simde_mm256_castsi256_pd(lo)) |
           (unsigned)simde_mm256_movemask_pd(simde_mm256_castsi256_pd(hi)) << 4;
}
K_INLINE unsigned k8_signs_f64(simde__m256d lo, simde__m256d hi)
{
    return (unsigned)simde_mm256_movemask_pd(lo) | (unsigned)simde_mm256_movemask_pd(hi) << 4;
}

/* Lane masks (all ones / zero) for the 8 bits of m: i32 lanes, and i64
** lanes split in two halves. */
K_INLINE simde__m256i k8_lanes_i32(unsigned m)
{
    const simde__m256i bits = simde_mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    simde__m256i b = simde_mm256_and_si256(simde_mm256_set1_epi32((int32_t)m), bits);
    return simde_mm256_cmpeq_epi32(b, bits);
}
K_INLINE simde__m256i k8_lanes_i64(unsigned m4)
{
    const simde__m256i bits = simde_mm256_setr_epi64x(1, 2, 4, 8);
    simde__m256i b = simde_mm256_and_si256(simde_mm256_set1_epi64x((int64_t)m4), bits);
    return simde_mm256_cmpeq_epi64(b, bits);
}

/* ---- unaligned loads of string headers and bytes ------------------------
** The string code reads a tir_str's len and prefix as one 8-byte word and
** masks bytes by position, which assumes little-endian order. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "tir kernels assume a little-endian target");

K_INLINE uint64_t k_ld64(const void *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}
K_INLINE uint32_t k_ld32(const void *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}
/* Low nbytes (0..8) bytes set. */
K_INLINE uint64_t k_bytemask(uint32_t nbytes)
{
    return nbytes >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * nbytes)) - 1;
}

#endif
