/*
** kstr.h — inline string equality and ordering on tir_str headers, shared
** by the comparison, LIKE and hash kernels.
**
** Bytes of an inline string past its length (and prefix bytes past the
** length of a short string) are not guaranteed to be zero, so every word
** compare masks them off instead of trusting the padding.
*/
#ifndef K_KSTR_H
#define K_KSTR_H

#include "ksimd.h"

/* Word 0 of a header is len (low 32 bits) then the 4 prefix bytes. Mask of
** the bits of word 0 that carry information for a string of length len. */
K_INLINE uint64_t k_str_w0mask(uint32_t len)
{
    return 0xffffffffu | k_bytemask(len < 4 ? len : 4) << 32;
}

K_INLINE bool k_str_eq_inl(const tir_str *a, const tir_str *b)
{
    uint32_t len = a->len;
    /* Different lengths differ in the low half whatever the mask is. */
    if ((k_ld64(a) ^ k_ld64(b)) & k_str_w0mask(len))
        return false;
    if (len <= 4)
        return true;
    if (len <= TIR_STR_INLINE)
        return ((k_ld64(a->u.inl) ^ k_ld64(b->u.inl)) & k_bytemask(len - 4)) == 0;
    return a->u.ptr == b->u.ptr || memcmp(a->u.ptr + 4, b->u.ptr + 4, len - 4) == 0;
}

/* The first min(len, 4) bytes of the prefix as a big-endian number, so
** that unsigned comparison orders like memcmp. */
K_INLINE int k_str_cmp_inl(const tir_str *a, const tir_str *b)
{
    uint32_t la = a->len, lb = b->len, m = la < lb ? la : lb;
    uint32_t keep = m >= 4 ? ~0u : ~(~0u >> (8 * m));
    uint32_t pa = __builtin_bswap32(k_ld32(a->prefix)) & keep;
    uint32_t pb = __builtin_bswap32(k_ld32(b->prefix)) & keep;
    if (pa != pb)
        return pa < pb ? -1 : 1;
    if (m > 4) {
        int r = memcmp(tir_str_ptr(a) + 4, tir_str_ptr(b) + 4, m - 4);
        if (r)
            return r < 0 ? -1 : 1;
    }
    return (la > lb) - (la < lb);
}

#endif
