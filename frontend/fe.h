/*
** fe.h — what the lexer, the Lemon grammar and the tree
** constructors share: the parse context, the list values that grammar
** nonterminals carry, and one constructor per grammar action (ast.c).
** Tokens are bare byte spans into the source; literal text is decoded by
** the constructors, so the lexer never allocates.
*/
#ifndef FE_FE_H
#define FE_FE_H

#include <setjmp.h>
#include <stdbool.h>
#include "ast.h"

/* Deepest expression tree the parser builds; later passes recurse over
** trees, and a bound here keeps them within any reasonable C stack. */
#define FE_MAX_EXPR_DEPTH 1000

typedef struct fe_ctx {
    ir_arena *a;
    ir_diags *d;
    const char *src;          /* NUL-terminated arena copy of the program */
    size_t len;
    ir_program *prog;         /* tables, pipelines, outputs grow in place */
    ir_pipeline *pipe;        /* the pipeline whose body is being parsed */
    ir_span tok;              /* the token being fed to the parser */
    int next;                 /* the kind of the token after it (0: end) */
    ir_span prev;             /* the token before it */
    ir_span open[64];         /* '{', '[' and '(' not yet closed, innermost last (deeper ones not kept) */
    int nopen;
    bool too_deep;            /* "nested too deeply" reported once */
    bool overflow;            /* parser stack overflowed: stop feeding tokens */
    jmp_buf *nomem;           /* longjmp target when the arena is exhausted */
} fe_ctx;

/* The lexer: fe_lex returns the next token code (FE_T_* from grammar.h)
** and its span, 0 at the end; bad bytes are reported and skipped. */
typedef struct fe_lexer {
    const char *src, *cur, *lim;   /* *lim must be a NUL byte */
    uint32_t base;                 /* added to every span: where src lies in the program's whole source */
    ir_diags *d;                   /* NULL: errors are not reported (a second pass reports them) */
    const char *stray, *stray_first_end, *stray_end;   /* the run of stray bytes being skipped */
} fe_lexer;
int fe_lex(fe_lexer *lx, ir_span *tok);

/* The Lemon parser (grammar.y, %name fe_lemon). */
void *fe_lemonAlloc(void *(*mallocProc)(size_t));
void fe_lemonFree(void *p, void (*freeProc)(void *));
void fe_lemon(void *p, int major, ir_span minor, fe_ctx *cx);
int fe_lemonFallback(int major);   /* IDENT for keywords, else 0 */

/* Values of list nonterminals: arrays grown in the arena. */
typedef struct fe_exprs { ir_expr **v; int n; } fe_exprs;
typedef struct fe_vals { ir_val **v; int n; } fe_vals;
typedef struct fe_ents { ir_mapent *v; int n; } fe_ents;
typedef struct fe_args { ir_arg *v; int n; } fe_args;
typedef struct fe_cols { ir_column *v; int n; } fe_cols;
typedef struct fe_whens { ir_expr **whens, **thens; int n; } fe_whens;
typedef struct fe_coltype { ir_coltype ty; ir_span span; } fe_coltype;
/* A type as written: i64, decimal(15, 2); ty holds type, prec and scale. */
typedef struct fe_tname { ir_coltype ty; ir_span span; } fe_tname;
typedef struct fe_ordering { ir_order dir; ir_nulls nulls; ir_span span; } fe_ordering;

/* Arena allocation that unwinds to cx->nomem when the arena is exhausted. */
void *fe_alloc(fe_ctx *cx, size_t n);
/* Appends elem to an arena array of n elements. The capacity is implicit
** (4, then each power of two), so list values need no capacity field. */
void *fe_push(fe_ctx *cx, void *arr, int n, const void *elem, size_t size);
/* Lists and maps name columns, keys or functions: no more than a relation
** has columns. The bound also keeps the checker's per-item work (duplicate
** names, lookups) from growing with the square of a hostile list. */
void fe_check_items(fe_ctx *cx, ir_span at, int n, const char *what);

/* "YYYY-MM-DD" (year 0001 to 9999) as days since 1970-01-01; false when s is no such date. */
bool fe_date_days(const char *s, size_t len, int64_t *days);

/* errors reported by the parser itself */
void fe_syntax_error(fe_ctx *cx, int major, ir_span at);
void fe_stack_overflow(fe_ctx *cx);

/* expressions */
ir_expr *fe_int(fe_ctx *cx, ir_span t);
ir_expr *fe_float(fe_ctx *cx, ir_span t);
ir_expr *fe_string(fe_ctx *cx, ir_span t);
ir_expr *fe_bool(fe_ctx *cx, ir_span t, bool v);
ir_expr *fe_null(fe_ctx *cx, ir_span t);
/* A literal written as a type's keyword and a string: date "...", timestamp "...". */
ir_expr *fe_typed(fe_ctx *cx, ir_span kw, ir_span str, tir_type t);
/* The string of such a literal as a value of type t in l; NULL, or what was expected. */
const char *fe_typed_lit(tir_type t, const char *s, size_t len, ir_lit *l);
ir_expr *fe_col(fe_ctx *cx, ir_span qual, ir_span name);
ir_expr *fe_path(fe_ctx *cx, ir_expr *path, ir_span part);   /* path NULL: a new one */
ir_expr *fe_param_ref(fe_ctx *cx, ir_span dollar_name);
ir_expr *fe_call(fe_ctx *cx, ir_span fn, fe_exprs args, ir_span rp);
ir_expr *fe_call_star(fe_ctx *cx, ir_span fn, ir_span star, ir_span rp);
ir_expr *fe_call_distinct(fe_ctx *cx, ir_span fn, ir_expr *arg, fe_exprs rest, ir_span rp);
ir_expr *fe_paren(ir_span lp, ir_expr *e, ir_span rp);
fe_whens fe_when(fe_ctx *cx, fe_whens w, ir_expr *cond, ir_expr *then);
ir_expr *fe_case(fe_ctx *cx, ir_span kw, fe_whens w, ir_expr *els, ir_span end);
ir_expr *fe_cast(fe_ctx *cx, ir_span kw, ir_expr *e, fe_tname type, ir_span rp);
fe_tname fe_typename(fe_ctx *cx, ir_span name, const ir_span *prec, const ir_span *scale, ir_span end);
ir_expr *fe_extract(fe_ctx *cx, ir_span kw, ir_span field, ir_expr *e, ir_span rp);
ir_expr *fe_between(fe_ctx *cx, ir_expr *a, ir_span kw, ir_expr *lo, ir_expr *hi);
ir_expr *fe_binary(fe_ctx *cx, int major, ir_expr *a, ir_expr *b);
ir_expr *fe_unary(fe_ctx *cx, ir_span op, ir_op o, ir_expr *a);
/* kw: FE_T_LIKE or FE_T_ILIKE; escape may be NULL */
ir_expr *fe_like(fe_ctx *cx, ir_expr *a, int kw, bool negated, ir_expr *pattern, ir_expr *escape);
ir_expr *fe_in(fe_ctx *cx, ir_expr *a, bool negated, fe_exprs items, ir_span rb);
ir_expr *fe_isnull(fe_ctx *cx, ir_expr *a, bool negated, ir_span null_kw);
fe_exprs fe_exprs_add(fe_ctx *cx, fe_exprs l, ir_expr *e);

/* operator arguments */
ir_val *fe_val_expr(fe_ctx *cx, ir_expr *e);
ir_val *fe_val_ordered(fe_ctx *cx, ir_expr *e, fe_ordering o);
ir_val *fe_val_framed(fe_ctx *cx, ir_expr *e, ir_frame *f);
fe_ordering fe_ordering_dir(fe_ctx *cx, ir_span word, ir_order dir);
fe_ordering fe_ordering_nulls(fe_ctx *cx, fe_ordering o, ir_span nulls_kw, ir_span word, ir_nulls nulls);
ir_bound fe_bound(fe_ctx *cx, ir_boundkind kind, ir_span first, ir_span last);
ir_frame *fe_frame(fe_ctx *cx, ir_span kw, bool range, ir_bound lo, ir_bound hi);
ir_val *fe_val_list(fe_ctx *cx, ir_span lb, fe_vals items, ir_span rb);
ir_val *fe_val_map(fe_ctx *cx, ir_span lb, fe_ents ents, ir_span rb);
fe_vals fe_vals_add(fe_ctx *cx, fe_vals l, ir_val *v);
fe_ents fe_ents_add(fe_ctx *cx, fe_ents l, ir_span key, bool quoted, ir_val *v);
fe_args fe_arg(fe_ctx *cx, fe_args l, ir_span name, ir_val *v);
fe_args fe_srcarg(fe_ctx *cx, fe_args l, const ir_span *name, ir_expr *e);  /* name NULL: positional */

/* items */
fe_coltype fe_coltype_new(fe_ctx *cx, fe_tname type);
fe_coltype fe_attr(fe_ctx *cx, fe_coltype t, ir_span word);
fe_cols fe_column(fe_ctx *cx, fe_cols l, ir_span name, bool quoted, fe_coltype t);
/* cols NULL: no column block (only read_table may leave it out); end is the
** closing brace, or the closing parenthesis without a column block. */
void fe_table(fe_ctx *cx, ir_span name, ir_span source, fe_args args, const fe_cols *cols, ir_span end);
void fe_pipeline_begin(fe_ctx *cx, ir_span name, ir_span lb);
void fe_stmt(fe_ctx *cx, ir_span target, ir_span op, fe_args args);
void fe_pipeline_end(fe_ctx *cx, ir_span rb);
void fe_output(fe_ctx *cx, ir_span kw, ir_expr *path, const ir_span *alias, bool quoted);
/* `$name: type [nullable]`; nullable_kw NULL when the word is absent. */
void fe_param(fe_ctx *cx, ir_span dollar_name, fe_tname type, const ir_span *nullable_kw);

#endif
