/*
** lexer.re — the tokens of .tir (re2c). One rule per token; a token is a
** byte span, decoded later by the tree constructors. Stray bytes are
** reported by the catch-all rules and skipped, so lexing always reaches
** the end. The input must be followed by a NUL (the re2c sentinel); NULs
** before the end are ordinary stray bytes.
*/
#include "fe.h"
#include "grammar.h"

#include <stdarg.h>
#include <stdio.h>

static ir_span fe_span(const fe_lexer *lx, const char *p, const char *q)
{
    return (ir_span){lx->base + (uint32_t)(p - lx->src), (uint32_t)(q - p)};
}

/* The first pass over an included file (parse.c) lexes without reporting. */
static void fe_lex_error(fe_lexer *lx, ir_span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fe_lex_error(fe_lexer *lx, ir_span at, const char *fmt, ...)
{
    if (!lx->d)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ir_error(lx->d, at, "%s", msg);
}

/* A run of stray bytes is one error: a megabyte of junk must not become a
** million diagnostics. */
static void fe_lex_flush_stray(fe_lexer *lx)
{
    const char *p = lx->stray, *q = lx->stray_first_end;
    if (!p)
        return;
    ir_span at = fe_span(lx, p, lx->stray_end);
    size_t more = (size_t)(lx->stray_end - q);
    char what[16];
    unsigned char c = (unsigned char)*p;
    if (q - p > 1)   /* a whole UTF-8 sequence */
        snprintf(what, sizeof what, "%.*s", (int)(q - p), p);
    else if (c >= 0x20 && c < 0x7f)
        snprintf(what, sizeof what, "%c", c);
    else
        snprintf(what, sizeof what, "\\x%02x", c);
    /* PostgreSQL's regular expression operators: ~ ~* !~ */
    const char *hint = c == '~' ? "; a regular expression is matched with regexp_matches(s, \"pattern\"[, \"i\"])" : "";
    if (more)
        fe_lex_error(lx, at, "unexpected character '%s' (and %zu more bytes that are not tir)%s", what, more, hint);
    else
        fe_lex_error(lx, at, "unexpected character '%s'%s", what, hint);
    lx->stray = NULL;
}

static void fe_lex_stray(fe_lexer *lx, const char *p, const char *q)
{
    if (lx->stray && p == lx->stray_end) {
        lx->stray_end = q;
        return;
    }
    fe_lex_flush_stray(lx);
    lx->stray = p;
    lx->stray_first_end = lx->stray_end = q;
}

static int fe_lex_token(fe_lexer *lx, ir_span *tok);

int fe_lex(fe_lexer *lx, ir_span *tok)
{
    int t = fe_lex_token(lx, tok);
    fe_lex_flush_stray(lx);
    return t;
}

static int fe_lex_token(fe_lexer *lx, ir_span *tok)
{
    const char *YYMARKER;
    for (;;) {
        const char *p = lx->cur;
#define TOK(t) do { *tok = fe_span(lx, p, lx->cur); return FE_T_##t; } while (0)
        /*!re2c
        re2c:define:YYCTYPE = "unsigned char";
        re2c:define:YYCURSOR = "lx->cur";
        re2c:define:YYLIMIT = "lx->lim";
        re2c:yyfill:enable = 0;
        re2c:eof = 0;

        ident = [A-Za-z_][A-Za-z0-9_]*;
        digits = [0-9]+;
        strchar = [^"\\\n] | [\\][^\n];
        comment = "/*" ([^*] | "*"+ [^*/])* "*"+ "/";
        opencomment = "/*" ([^*] | "*"+ [^*/])* "*"*;

        $                                { *tok = fe_span(lx, p, p); return 0; }
        [ \t\r\n]+                       { continue; }
        "//" [^\n]*                      { continue; }
        comment                          { continue; }
        opencomment                      { fe_lex_error(lx, fe_span(lx, p, p + 2), "unterminated comment"); continue; }

        "Table"                          { TOK(TABLE); }
        "Pipeline"                       { TOK(PIPELINE); }
        "output"                         { TOK(OUTPUT); }
        "as"                             { TOK(AS); }
        "true"                           { TOK(TRUE); }
        "false"                          { TOK(FALSE); }
        "null"                           { TOK(NULL); }
        "date"                           { TOK(DATE); }
        "timestamp"                      { TOK(TIMESTAMP); }
        "interval"                       { TOK(INTERVAL); }
        "case"                           { TOK(CASE); }
        "when"                           { TOK(WHEN); }
        "then"                           { TOK(THEN); }
        "else"                           { TOK(ELSE); }
        "end"                            { TOK(END); }
        "cast"                           { TOK(CAST); }
        "like"                           { TOK(LIKE); }
        "ilike"                          { TOK(ILIKE); }
        "escape"                         { TOK(ESCAPE); }
        "not"                            { TOK(NOT); }
        "in"                             { TOK(IN); }
        "is"                             { TOK(IS); }
        "extract"                        { TOK(EXTRACT); }
        "distinct"                       { TOK(DISTINCT); }
        "from"                           { TOK(FROM); }
        "asc"                            { TOK(ASC); }
        "desc"                           { TOK(DESC); }
        "nulls"                          { TOK(NULLS); }
        "first"                          { TOK(FIRST); }
        "last"                           { TOK(LAST); }
        "rows"                           { TOK(ROWS); }
        "range"                          { TOK(RANGE); }
        "between"                        { TOK(BETWEEN); }
        "and"                            { TOK(AND_KW); }
        "preceding"                      { TOK(PRECEDING); }
        "following"                      { TOK(FOLLOWING); }
        "unbounded"                      { TOK(UNBOUNDED); }
        "current"                        { TOK(CURRENT); }
        "row"                            { TOK(ROW); }
        "nullable"                       { TOK(NULLABLE); }
        "include"                        { TOK(INCLUDE); }
        ident                            { TOK(IDENT); }
        "$" ident                        { TOK(DOLLAR); }

        digits                           { TOK(INT); }
        digits "." digits ([eE] [+-]? digits)? { TOK(FLOAT); }
        ["] strchar* ["]                 { TOK(STRING); }
        ["] strchar* [\\]?               { fe_lex_error(lx, fe_span(lx, p, lx->cur), "unterminated string"); TOK(STRING); }
        ['] [^'\n]* [']                  { fe_lex_error(lx, fe_span(lx, p, lx->cur), "strings are written in double quotes: \"%.*s\"", (int)(lx->cur - p - 2), p + 1); TOK(STRING); }

        ":"                              { TOK(COLON); }
        ","                              { TOK(COMMA); }
        "."                              { TOK(DOT); }
        "("                              { TOK(LP); }
        ")"                              { TOK(RP); }
        "["                              { TOK(LBRACKET); }
        "]"                              { TOK(RBRACKET); }
        "{"                              { TOK(LBRACE); }
        "}"                              { TOK(RBRACE); }
        "="                              { TOK(EQ); }
        "=="                             { TOK(EQEQ); }
        "!="                             { TOK(NE); }
        "<"                              { TOK(LT); }
        "<="                             { TOK(LE); }
        ">"                              { TOK(GT); }
        ">="                             { TOK(GE); }
        "&&"                             { TOK(AND); }
        "||"                             { TOK(OR); }
        "!"                              { TOK(BANG); }
        "+"                              { TOK(PLUS); }
        "-"                              { TOK(MINUS); }
        "*"                              { TOK(STAR); }
        "/"                              { TOK(SLASH); }
        "%"                              { TOK(PERCENT); }

        [\xc2-\xf4][\x80-\xbf]{1,3}      { fe_lex_stray(lx, p, lx->cur); continue; }
        *                                { fe_lex_stray(lx, p, lx->cur); continue; }
        */
#undef TOK
    }
}
