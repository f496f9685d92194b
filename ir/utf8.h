/*
** utf8.h — the length of one well-formed UTF-8 sequence (RFC 3629: shortest
** form, no surrogates, nothing above U+10FFFF). Header-only: tirrun's
** formatter, compiled into the Python module too, uses it without the
** engine's internals.
*/
#ifndef IR_UTF8_H
#define IR_UTF8_H

#include <stddef.h>

/* Length of the sequence at s (at most n bytes, n > 0), or 0 if the bytes
** there are not one. */
static inline size_t ir_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;   /* range of the second byte */

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;          /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;          /* nothing above U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

#endif
