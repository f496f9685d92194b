/*
** tc.h — internals shared by the type checker's files: the checking
** context, the scope an expression is checked in, and the helpers that
** check.c (program level), ops.c (operators) and expr.c (expressions) call
** in each other.
*/
#ifndef TC_H
#define TC_H

#include <setjmp.h>
#include "ast.h"
#include "map.h"

/* Pipelines checked inside one another, at most (only a reference cycle
** nests them: see check_order). */
#define TC_MAX_NESTED_CHECKS 256

typedef enum tc_pstate { TC_UNVISITED = 0, TC_ACTIVE, TC_DONE } tc_pstate;

typedef struct tc_ctx {
    ir_arena *a;
    ir_diags *d;
    ir_program *p;
    ir_pipeline **src;        /* pipelines in source order (p->pipelines is reordered at the end) */
    int np;
    tc_pstate *state;         /* per source index */
    ir_pipeline **stack;      /* pipelines being checked, outermost first (for cycle messages) */
    int nstack;
    ir_map tables, pipelines; /* by name: the first definition */
    ir_map stmts;             /* (pipeline, name): its first statement of that name */
    ir_map edges;             /* (from pipeline, name of to): from reads to's values */
    ir_map cycles;            /* (from pipeline, name of to): the cycle through this edge was reported */
    ir_map params;            /* by name (without '$'): the first declaration */
    ir_map moved;             /* (pipeline, name): a statement tc_split_distinct moved out of it */
    jmp_buf oom;              /* tc_new longjmps here when the arena is exhausted */
} tc_ctx;

/* Where an expression is checked: the operator it belongs to and what the
** names $in / vN / $ht resolve against. */
typedef struct tc_scope {
    ir_pipeline *pl;          /* the current pipeline */
    ir_stmt *stmt;            /* the statement being checked */
    ir_stmt *input;           /* its :input; NULL when unusable (already reported): names over
                                 it then fail without a message, as do side-1 names when
                                 side1_cols is NULL */
    const char *side1;        /* the variable naming the other side where it may be used:
                                 "$ht" (hash_join :projection), "$right" (merge_join); else NULL */
    const ir_schema *side1_cols; /* the hash table's or the right side's columns */
} tc_scope;

/* The two sides of a join's :projection: the input (side 0) and a hash
** table or merge_join's right side (side 1). */
typedef struct tc_sides {
    const ir_schema *other;   /* side 1's columns */
    int amb_from;             /* a name of the input and of side-1 column >= amb_from is ambiguous */
    const int *defcols;       /* side-1 columns of the default projection (inner and left joins) */
    int ndef;
    const char *var;          /* "$ht", "$right" */
    const char *what;         /* "the hash table", "the right side" */
} tc_sides;

/* check.c */
void *tc_new(tc_ctx *c, size_t n);
const char *tc_str(tc_ctx *c, const char *s);   /* s, or longjmp when an arena string was NULL */
#define TC_NEWN(c, T, n) ((T *)tc_new((c), sizeof(T) * (size_t)((n) > 0 ? (n) : 1)))
void tc_fail(tc_ctx *c, ir_stmt *st);
bool tc_failed(const tc_ctx *c, const ir_stmt *st);
ir_table *tc_find_table(const tc_ctx *c, const char *name);
ir_pipeline *tc_find_pipeline(const tc_ctx *c, const char *name);
ir_stmt *tc_find_stmt(const tc_ctx *c, const ir_pipeline *pl, const char *name);
/* Resolves pipe.val read from pipeline `from` (NULL for outputs): checks
** that pipeline first when needed, reports self references and cycles,
** records the dependency and marks the value used_later. NULL when it
** cannot be used (reported, or the value itself failed to check). */
ir_stmt *tc_other_value(tc_ctx *c, ir_pipeline *from, const ir_name *pipe, const ir_name *val);
const char *tc_vkind_name(ir_valkind k);
const char *tc_stmt_list(tc_ctx *c, const ir_pipeline *pl, int n);   /* first n statements */
const char *tc_table_list(tc_ctx *c);
/* ": did you mean 'x'?" when name is a likely misspelling of one of
** cands (ir/suggest.h), else "": put right after the quoted name. */
const char *tc_meant(tc_ctx *c, const char *name, const char *const *cands, int n);
const char *tc_meant_col(tc_ctx *c, const char *name, const ir_schema *s);
const char *tc_meant_table(tc_ctx *c, const char *name);
/* path relative to the program file's directory, unless absolute */
/* path relative to the program file's directory; a path the engine does
** not allow (reading, or writing when write) is reported at at: NULL. */
const char *tc_resolve_path(tc_ctx *c, const char *path, ir_span at, bool write);

/* ops.c */
void tc_stmt(tc_ctx *c, ir_pipeline *pl, int i);
/* Calls visit(ctx, pe) on *pe and, unless it returns true ("handled"),
** on each subexpression; stops early when *ok turns false. */
typedef bool (*tc_expr_visit)(void *ctx, ir_expr **pe, bool *ok);
void tc_walk_expr(ir_expr **pe, tc_expr_visit visit, void *ctx, bool *ok);
/* Whether e is an aggregate call (count, sum, ...), and which. */
bool tc_agg_kind(const ir_expr *e, ir_aggfn *fn);
const char *tc_agg_meant(const char *fn);
/* Items of a list-valued argument (a single value is a list of one); -1 for a map. */
int tc_list_items(ir_val *v, ir_val ***items);
/* A list item naming a column of the input: "name", $in.name or vN.name. */
ir_expr *tc_input_col(tc_ctx *c, const tc_scope *s, ir_val *v, const char *arg);
/* The table (a name) or relation of another pipeline (p.v) that argument
** :arg (v) names: sets *table or *rel and *name (for messages) and returns
** its columns; NULL after reporting what is wrong. */
const ir_schema *tc_source(tc_ctx *c, const tc_scope *s, ir_val *v, const char *arg, ir_table **table,
                           ir_stmt **rel, const char **name);
/* A join's :kind (inner when v is NULL); false after reporting a bad one. */
bool tc_join_kind(tc_ctx *c, const ir_val *v, ir_joinkind *out);
/* A join's output columns: :projection v, or by default every input column
** and then (inner and left joins) sd->defcols. Types and properties: input
** columns keep theirs (unique only while each input row matches at most
** once: other_unique, or a semi/anti join); side-1 columns lose unique and
** order and become nullable in a left join. */
bool tc_join_projection(tc_ctx *c, const tc_scope *s, ir_joinkind jk, ir_val *v, const tc_sides *sd,
                        bool other_unique, ir_projitem **proj, ir_column **cols, int *n);

/* order.c: sort, merge_join, window, and the order properties of relations */
bool tc_op_sort(tc_ctx *c, const tc_scope *s, ir_val **v);
bool tc_op_merge_join(tc_ctx *c, const tc_scope *s, ir_val **v);
bool tc_op_window(tc_ctx *c, const tc_scope *s, ir_val **v);
/* out's order from in's through a column map (out column j = in column
** map[j], or -1 when computed): the longest prefix of in's sort keys whose
** columns pass through. */
void tc_order_through(tc_ctx *c, const ir_schema *in, const int *map, ir_schema *out);
/* Reports `asc`/`desc`/`nulls`/frames written where the operator takes none. */
void tc_no_ordering(tc_ctx *c, const ir_stmt *st);

/* distinct.c: before checking, a statement with count(distinct x) and the
** like becomes a partial hash_group_by by its keys and x, and the statement
** itself over those rows in a pipeline of its own (found by its old name
** through c->moved). */
void tc_split_distinct(tc_ctx *c);

/* union.c: union_all, a source reading several tables and relations in turn. */
bool tc_op_union(tc_ctx *c, const tc_scope *s, ir_val **v);

/* expr.c */
bool tc_expr(tc_ctx *c, const tc_scope *s, ir_expr **pe);
/* The one type the values *br[0..nb) must share (case branches, coalesce's
** arguments); a mismatch is reported as "<what> have different types". */
bool tc_common_type(tc_ctx *c, ir_expr ***br, int nb, const char *what, tir_type *out);
/* "; write cast(<x> as <to>)" when that cast is allowed and x is not a
** literal, else "": the end of a type mismatch message about x. */
const char *tc_cast_hint(tc_ctx *c, const ir_expr *x, tir_type to);

/* decimal.c: decimal(p, s) operands, literals and result types. */
ir_coltype tc_dec_type(int prec, int scale, bool nullable);
/* A number literal (or NULL) as the exact decimal of its digits; false
** when it has more than 18. */
bool tc_dec_lit(ir_expr *e);
bool tc_dec_text_is_wide(const ir_expr *e);
ir_expr *tc_new_dec_cast(tc_ctx *c, ir_expr *x, int prec, int scale);
/* *pe (a decimal, an integer, a number literal or NULL) at want's scale:
** false when it cannot be without losing digits. */
bool tc_coerce_dec(tc_ctx *c, ir_expr **pe, ir_coltype want);
/* The same for a wide decimal want: *pe (an integer, a decimal of at most
** want's scale) as a wide decimal at want's scale; false when it cannot be. */
bool tc_coerce_wide(tc_ctx *c, ir_expr **pe, ir_coltype want);
/* Values that must share one decimal type (case branches, coalesce). */
bool tc_dec_unify(tc_ctx *c, ir_expr ***br, int nb, ir_coltype *out);
/* Arithmetic or a comparison with a decimal operand (e is typed). */
bool tc_dec_binary(tc_ctx *c, ir_expr *e, bool nullable);
bool tc_dec_cast_ok(tir_type from, tir_type to);
bool tc_dec_fold_cast(tc_ctx *c, ir_expr **pe);
bool tc_dec_wide_lit_cast(tc_ctx *c, ir_expr *e);
bool tc_dec_wide_item(tc_ctx *c, ir_expr **it, ir_coltype want);
/* t (its type, precision and scale) with the given nullability only. */
static inline ir_coltype tc_keep(ir_coltype t, bool nullable)
{
    return (ir_coltype){.type = t.type, .nullable = nullable, .prec = t.prec, .scale = t.scale};
}

/* interval.c: the interval type in expressions and operators. */
/* e (a binary operator, operands typed) has an interval operand or is
** timestamp - timestamp: tc_iv_binary types it. */
bool tc_iv_involved(const ir_expr *e);
bool tc_iv_binary(tc_ctx *c, ir_expr *e, bool nullable);
/* false (reported) when e is an expression that does not take an interval */
bool tc_iv_ok(tc_ctx *c, const ir_expr *e);

/* funcs.c: a scalar function call (ir/functions.h); records its id. */
bool tc_check_call(tc_ctx *c, const tc_scope *s, ir_expr *e);
/* Makes *pe of type t without messages: literals convert in place when
** their value is representable, i32/i64 widen through an inserted cast. */
bool tc_coerce(tc_ctx *c, ir_expr **pe, tir_type t);
/* A cast of x to t, as the checker inserts them (typed, x's span). */
bool tc_bad_text_lit(tc_ctx *c, const ir_expr *x, tir_type t);
ir_expr *tc_new_cast(tc_ctx *c, ir_expr *x, tir_type t);
/* A parameter used where a non-negative integer is needed (limit :count):
** e must be a non-nullable i32 or i64 parameter; the run checks its value.
** False after reporting what is wrong, `what` naming the argument. */
bool tc_nonneg_param(tc_ctx *c, ir_expr *e, const char *what);
/* Converts literal e in place to type t when its value is representable. */
bool tc_lit_convert(ir_expr *e, tir_type t);
bool tc_is_null_lit(const ir_expr *e);
bool tc_numeric(tir_type t);
/* The wider of two numeric types (i32 -> i64 -> f64). */
tir_type tc_wider(tir_type a, tir_type b);
const char *tc_type_name(tir_type t);
int tc_col_index(const ir_schema *s, const char *name);
const char *tc_col_list(tc_ctx *c, const ir_schema *s);
/* A column reference to column index of src, named through qualifier qual ("$in", "$right"). */
ir_expr *tc_new_col(tc_ctx *c, const ir_schema *src, int side, const char *qual, int index, ir_span at);

#endif
