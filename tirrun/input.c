/*
** input.c — the REPL's test for a complete input and the token scanner
** behind it (see input.h). Only what the REPL needs to split, complete and
** rewrite inputs: the compiler's lexer does the real work later.
*/
#include <string.h>

#include "input.h"

static bool ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

/* Not strchr: it would find the terminator, making a NUL byte in the
** input punctuation (an open bracket, even). */
static bool one_of(const char *set, char c)
{
    return c != '\0' && strchr(set, c) != NULL;
}

repl_scanner repl_scan(const char *s, size_t n)
{
    repl_scanner sc = { s, n, 0, false };
    return sc;
}

repl_tok repl_next_tok(repl_scanner *sc)
{
    const char *s = sc->s;
    size_t n = sc->n, i = sc->pos;
    repl_tok t;

    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            i++;
        if (i + 1 < n && s[i] == '/' && s[i + 1] == '/') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
            for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++)
                ;
            if (i + 1 >= n) {
                sc->open_comment = true;
                i = n;
            } else
                i += 2;
        } else
            break;
    }
    t.start = i;
    if (i >= n)
        t.kind = REPL_TK_END;
    else if (ident_start(s[i])) {
        while (i < n && ident_char(s[i]))
            i++;
        t.kind = REPL_TK_IDENT;
    } else if (s[i] == '"') {
        /* a string ends at its quote or, unterminated, at the line's end */
        for (i++; i < n && s[i] != '"' && s[i] != '\n'; i++)
            if (s[i] == '\\' && i + 1 < n && s[i + 1] != '\n')
                i++;
        if (i < n && s[i] == '"')
            i++;
        t.kind = REPL_TK_STRING;
    } else if (one_of(":=,.()[]{}|&", s[i])) {
        i++;
        t.kind = REPL_TK_PUNCT;
    } else {
        i++;
        while (i < n && (ident_char(s[i]) || s[i] == '.'))
            i++;
        t.kind = REPL_TK_OTHER;
    }
    t.end = i;
    sc->pos = i;
    return t;
}

bool repl_tok_is(const char *s, repl_tok t, const char *word)
{
    size_t n = strlen(word);
    return t.end - t.start == n && memcmp(s + t.start, word, n) == 0;
}

bool repl_punct_is(const char *s, repl_tok t, char c)
{
    return t.kind == REPL_TK_PUNCT && s[t.start] == c;
}

bool repl_input_complete(const char *s, size_t n)
{
    repl_scanner sc = repl_scan(s, n);
    repl_tok t, last = { REPL_TK_END, 0, 0 };
    long depth = 0;

    while ((t = repl_next_tok(&sc)).kind != REPL_TK_END) {
        if (t.kind == REPL_TK_PUNCT && one_of("([{", s[t.start]))
            depth++;
        else if (t.kind == REPL_TK_PUNCT && one_of(")]}", s[t.start]))
            depth--;
        last = t;
    }
    if (sc.open_comment || depth > 0)
        return false;
    return !(last.kind == REPL_TK_PUNCT && one_of("=:,([{|&", s[last.start]));
}
