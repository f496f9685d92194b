/*
** stragg.c — string_agg's growing strings (see stragg.h).
*/
#include "stragg.h"

#include <stdlib.h>
#include <string.h>

size_t vm_stragg_cap(uint32_t len)
{
    if (len <= TIR_STR_INLINE)
        return 0;
    size_t cap = 32;
    while (cap < len)
        cap *= 2;
    return cap;
}

bool vm_stragg_append(tir_str *s, bool first, const char *sep, uint32_t seplen, const char *p, uint32_t n,
                      size_t *bytes)
{
    uint64_t add = (uint64_t)(first ? 0 : seplen) + n, len = s->len + add;
    if (len > UINT32_MAX)
        return false;
    if (!add)
        return true;
    size_t had = vm_stragg_cap(s->len), cap = vm_stragg_cap((uint32_t)len);
    char *buf = s->len > TIR_STR_INLINE ? (char *)s->u.ptr : s->prefix;
    if (cap != had) {
        char *nb = had ? realloc(buf, cap) : malloc(cap);
        if (!nb)
            return false;
        if (!had)
            memcpy(nb, s->prefix, s->len);   /* it was inline */
        buf = nb;
        *bytes += cap - had;
    }
    if (!first)
        memcpy(buf + s->len, sep, seplen);
    memcpy(buf + len - n, p, n);
    s->len = (uint32_t)len;
    if (cap) {
        s->u.ptr = buf;
        memcpy(s->prefix, buf, 4);   /* len > 12: four bytes there are */
    }
    return true;
}

void vm_stragg_free(tir_str *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (s[i].len > TIR_STR_INLINE)
            free((char *)s[i].u.ptr);
}
