/*
** input.h — when is a typed input complete? The REPL reads lines until its
** brackets balance and it does not end in an operator; this is that test,
** and the small token scanner it shares with the REPL's other text work.
** Nothing here needs libedit, a terminal or the engine, so a fuzzer can
** link input.c alone. Text is s[0..n): never NUL-terminated, never read
** past n, and every function is linear in n.
*/
#ifndef TIRRUN_INPUT_H
#define TIRRUN_INPUT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum repl_tok_kind {
    REPL_TK_END, REPL_TK_IDENT, REPL_TK_STRING, REPL_TK_PUNCT, REPL_TK_OTHER
} repl_tok_kind;

/* A token is s[start..end). */
typedef struct repl_tok {
    repl_tok_kind kind;
    size_t start, end;
} repl_tok;

typedef struct repl_scanner {
    const char *s;
    size_t n, pos;
    bool open_comment;       /* the text ends inside a block comment */
} repl_scanner;

/* A scanner at the start of s[0..n). */
repl_scanner repl_scan(const char *s, size_t n);

/* The next token, skipping blanks and comments; REPL_TK_END at the end.
** Punctuation is one of : = , . ( ) [ ] { } | & (one character each);
** a string runs to its closing quote or, unterminated, to the line's end. */
repl_tok repl_next_tok(repl_scanner *sc);

/* Whether t is exactly word (t's text is in s). */
bool repl_tok_is(const char *s, repl_tok t, const char *word);

/* Whether t is the punctuation c. */
bool repl_punct_is(const char *s, repl_tok t, char c);

/* Whether s[0..n) is a whole input: its brackets ( [ { balance outside
** strings and comments, no block comment is left open, and it does not
** end in = : , ( [ { | or &, which need something after them. */
bool repl_input_complete(const char *s, size_t n);

#endif
