/*
** regex.h — how tir compiles a regular expression with PCRE2, shared by
** the checker (a literal pattern is compiled to report its errors where it
** is written) and the VM (which compiles and JIT-compiles it for the run).
** UTF mode, and PCRE2_MATCH_INVALID_UTF: bytes of a subject that are not
** valid UTF-8 never match any item of a pattern, and nothing else fails.
*/
#ifndef IR_REGEX_H
#define IR_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>

/* The flags argument of the regexp functions, as letters. */
enum { IR_RX_CASELESS = 1, IR_RX_GLOBAL = 2 };

/* NULL when the pattern is invalid: msg receives PCRE2's message and *off
** the byte offset it points at. */
static inline pcre2_code *ir_rx_compile(const char *p, size_t n, int flags, char *msg, size_t msglen, size_t *off)
{
    int err = 0;
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | ((flags & IR_RX_CASELESS) ? PCRE2_CASELESS : 0);
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)p, n, opts, &err, off, NULL);
    if (!re && pcre2_get_error_message(err, (PCRE2_UCHAR *)msg, msglen) < 0)
        snprintf(msg, msglen, "error %d", err);
    return re;
}

#endif
