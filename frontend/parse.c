/*
** parse.c — fe_parse: feeds the lexer's tokens to the Lemon parser, whose
** actions build the program in the arena. Running out of arena memory
** unwinds here with longjmp (as Lua does), so constructors need no
** failure paths.
*/
#include "fe.h"
#include "grammar.h"

#include <stdlib.h>
#include <string.h>

/* Statements have no terminator; a name followed by '=' starts one unless
** it is an argument name (":name =") or a source argument ("(name =",
** ", name ="). Telling the grammar so (token TARGET) lets error recovery
** resume exactly at the next statement. */
static int fe_classify(int prev, int tok, int next)
{
    /* `nullable` ends a parameter declaration; followed by ':' it names the next item */
    if (tok == FE_T_NULLABLE && next == FE_T_COLON)
        return FE_T_IDENT;
    if (next != FE_T_EQ || (tok != FE_T_IDENT && fe_lemonFallback(tok) != FE_T_IDENT))
        return tok;
    if (prev == FE_T_COLON || prev == FE_T_LP || prev == FE_T_COMMA || prev == FE_T_DOT)
        return tok;
    return FE_T_TARGET;
}

/* Keeps the stack of open '{', '[' and '(' for fe_syntax_error: a closer
** pops its own opener only (a stray one is the parser's to report). */
static void note_delimiter(fe_ctx *cx, int tok)
{
    if (tok == FE_T_LBRACE || tok == FE_T_LBRACKET || tok == FE_T_LP) {
        if (cx->nopen < 64)
            cx->open[cx->nopen] = cx->tok;
        cx->nopen++;
        return;
    }
    char want = tok == FE_T_RBRACE ? '{' : tok == FE_T_RBRACKET ? '[' : tok == FE_T_RP ? '(' : 0;
    if (want && cx->nopen > 0 && (cx->nopen > 64 || cx->src[cx->open[cx->nopen - 1].off] == want))
        cx->nopen--;
}

/* Feeds every token to the parser; false when the arena ran out. */
static bool fe_feed(fe_ctx *cx, void *parser)
{
    jmp_buf nomem;
    cx->nomem = &nomem;
    if (setjmp(nomem))
        return false;
    /* a UTF-8 byte-order mark, as some editors write, is not a stray character */
    size_t skip = cx->len >= 3 && !memcmp(cx->src, "\xEF\xBB\xBF", 3) ? 3 : 0;
    fe_lexer lx = {.src = cx->src, .cur = cx->src + skip, .lim = cx->src + cx->len, .d = cx->d};
    ir_span next_span;
    int prev = 0, tok = fe_lex(&lx, &cx->tok);
    for (;;) {
        int next = tok ? fe_lex(&lx, &next_span) : 0;
        cx->next = next;
        fe_lemon(parser, fe_classify(prev, tok, next), cx->tok, cx);
        if (tok == 0 || cx->overflow)
            return true;
        note_delimiter(cx, tok);
        prev = tok;
        cx->prev = cx->tok;
        tok = next;
        cx->tok = next_span;
    }
}

bool fe_parse(ir_arena *a, ir_diags *d, const char *file, const char *src, size_t len,
              ir_program **out)
{
    size_t errors = d->nerrors;
    ir_program *prog = IR_NEW(a, ir_program);
    *out = prog;
    if (!prog)
        return false;
    prog->file = file;
    prog->srclen = len;
    if (len >= UINT32_MAX) {   /* spans are 32-bit offsets */
        ir_error(d, (ir_span){0, 0}, "program too large (%zu bytes)", len);
        return false;
    }
    /* re2c needs a NUL after the input; the copy also lives as long as the tree */
    char *text = ir_strndup(a, src, len);
    void *parser = fe_lemonAlloc(malloc);
    if (!text || !parser) {
        free(parser);
        a->nomem = true;
        ir_error(d, (ir_span){0, 0}, "out of memory");
        return false;
    }
    prog->src = text;
    fe_ctx cx = {.a = a, .d = d, .src = text, .len = len, .prog = prog};
    bool fed = fe_feed(&cx, parser);
    fe_lemonFree(parser, free);
    if (!fed)
        ir_error(d, cx.tok, "out of memory");
    return fed && d->nerrors == errors;
}
