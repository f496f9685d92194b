/*
** decimal.c — the decimal(p, s) type in expressions. A number literal used
** with a decimal becomes the exact decimal of its digits; an integer
** becomes decimal(10, 0) (i32) or decimal(18, 0) (i64); an f64 turns the
** decimal into an f64. Operands are brought to one scale by inserted casts
** (so lowering only meets equal scales), and the result types are SQL's
** (DuckDB's), capped at 18 digits: the kernels check that cap at run time.
*/
#include "tc.h"
#include "decimal.h"
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ir_coltype tc_dec_type(int prec, int scale, bool nullable)
{
    return (ir_coltype){.type = TIR_DECIMAL, .nullable = nullable, .prec = (uint8_t)prec, .scale = (uint8_t)scale};
}

static int ndigits(int64_t v)
{
    int n = 1;
    for (uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v; m >= 10; m /= 10)
        n++;
    return n;
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

/* A float literal's digits as written (fe_float keeps the text, without
** the sign; a JSON plan's number has none): into v (as many as fit 18), the
** count of significant digits, of integer digits and of those after the
** point. False for a text with an exponent, or none. */
typedef struct lit_digits {
    int64_t v;
    int sig, ints, scale;
} lit_digits;

static bool text_digits(const ir_lit *l, lit_digits *d)
{
    *d = (lit_digits){0};
    if (!l->s || !l->slen || l->type != TIR_F64)
        return false;
    bool point = false, lead = true;
    for (uint32_t i = 0; i < l->slen; i++) {
        char ch = l->s[i];
        if (ch == '.' && !point) {
            point = true;
            continue;
        }
        if (ch < '0' || ch > '9')
            return false;
        d->scale += point;
        lead &= ch == '0' && !point;
        if (!point && !lead)
            d->ints++;
        if (d->sig || ch != '0')
            d->sig++;
        if (d->sig && d->sig <= VM_DEC_MAXPREC)
            d->v = d->v * 10 + (ch - '0');
    }
    if (l->f < 0)
        d->v = -d->v;
    return true;
}

/* A float literal's shortest decimal digits (those that read back as the
** same double: 0.1 is 1 at scale 1, never 0.1000000000000000055...). */
static bool float_digits(double f, int64_t *v, int *scale)
{
    char s[40];
    for (int prec = 0; prec <= 16; prec++) {
        snprintf(s, sizeof s, "%.*e", prec, f);
        if (strtod(s, NULL) == f)
            break;
    }
    /* s = [-]d.ddde[+-]x */
    bool neg = s[0] == '-';
    const char *p = s + neg;
    char mant[24];
    int nm = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && nm < 20)
            mant[nm++] = *p;
    if (*p != 'e')
        return false;   /* inf or nan */
    int exp = atoi(p + 1);
    while (nm > 1 && mant[nm - 1] == '0')
        nm--;
    int sc = imax(0, (nm - 1) - exp);   /* digits after the point */
    int64_t m = 0;
    for (int i = 0; i < nm; i++)
        m = m * 10 + (mant[i] - '0');
    int up = exp - (nm - 1);
    if (sc > VM_DEC_MAXPREC || up > VM_DEC_MAXPREC || (up > 0 && __builtin_mul_overflow(m, vm_pow10(up), &m)))
        return false;
    if (!vm_dec_fits(m, VM_DEC_MAXPREC))
        return false;
    *v = neg ? -m : m;
    *scale = sc;
    return true;
}

bool tc_dec_lit(ir_expr *e)
{
    ir_lit *l = &e->u.lit;
    int64_t v = l->i;
    int scale = 0;
    if (l->is_null) {
        l->type = TIR_DECIMAL;
        e->ty.type = TIR_DECIMAL;
        return true;
    }
    if (l->type == TIR_DECIMAL)
        return true;
    lit_digits d;
    if (l->type == TIR_F64 && text_digits(l, &d) && d.sig > 15) {
        /* more digits than a double keeps: those written, exactly, if 18 hold them */
        if (d.sig > VM_DEC_MAXPREC || d.scale > VM_DEC_MAXPREC || d.ints + d.scale > VM_DEC_MAXPREC)
            return false;
        v = d.v;
        scale = d.scale;
    } else if (l->type == TIR_F64) {
        if (!float_digits(l->f, &v, &scale))
            return false;
    } else if (l->type != TIR_I32 && l->type != TIR_I64) {
        return false;
    } else if (!vm_dec_fits(v, VM_DEC_MAXPREC)) {
        return false;
    }
    l->type = TIR_DECIMAL;
    l->i = v;
    l->scale = (uint8_t)scale;
    l->prec = (uint8_t)imax(ndigits(v), imax(scale, 1));
    e->ty = tc_dec_type(l->prec, l->scale, false);
    return true;
}

/* Whether e is a float literal whose digits as written need a wide
** decimal (more than 18 with those after the point, at most 38):
** wide_text_lit makes it one. */
bool tc_dec_text_is_wide(const ir_expr *e)
{
    lit_digits d;
    if (e->kind != IR_E_LIT || e->u.lit.is_null || !text_digits(&e->u.lit, &d))
        return false;
    int p = imax(d.ints, 1) + d.scale;
    return (p > VM_DEC_MAXPREC || d.scale > VM_DEC_MAXPREC) && p <= VM_DEC128_MAXPREC;
}

/* Such a literal as the cast of its text (with its sign) to the wide
** decimal(p, s) of its digits, which lowering folds into a constant as it
** does cast("..." as decimal(38, 4)): "12345678901234567890.1234" is that
** number, where a double would have made it 12345678901234567168. */
static bool wide_text_lit(tc_ctx *c, ir_expr **px)
{
    ir_expr *x = *px;
    lit_digits d;
    if (!tc_dec_text_is_wide(x) || !text_digits(&x->u.lit, &d))
        return false;
    ir_expr *str = TC_NEWN(c, ir_expr, 1);
    *str = *x;
    str->u.lit.type = TIR_STRING;
    str->u.lit.s = tc_str(c, ir_sprintf(c->a, "%s%.*s", x->u.lit.f < 0 ? "-" : "", (int)x->u.lit.slen, x->u.lit.s));
    str->u.lit.slen = (uint32_t)strlen(str->u.lit.s);
    str->ty = (ir_coltype){.type = TIR_STRING};
    ir_expr *e = tc_new_dec_cast(c, str, imax(VM_DEC_MAXPREC + 1, imax(d.ints, 1) + d.scale), d.scale);
    e->u.cast.to = TIR_DECIMAL128;
    e->ty.type = TIR_DECIMAL128;
    if (!tc_dec_wide_lit_cast(c, e))
        return false;
    *px = e;
    return true;
}

ir_expr *tc_new_dec_cast(tc_ctx *c, ir_expr *x, int prec, int scale)
{
    ir_expr *e = tc_new_cast(c, x, TIR_DECIMAL);
    e->u.cast.to_prec = (uint8_t)prec;
    e->u.cast.to_scale = (uint8_t)scale;
    e->ty = tc_dec_type(prec, scale, x->ty.nullable);
    return e;
}

/* x, a decimal, at scale s >= its own: a literal rescaled in place, else a
** cast (whose overflow past 18 digits is a run-time error). */
static bool to_scale(tc_ctx *c, ir_expr **px, int s)
{
    ir_expr *x = *px;
    int from = x->ty.scale, prec = imin(VM_DEC_MAXPREC, x->ty.prec + (s - from));
    if (from == s)
        return true;
    if (x->kind == IR_E_LIT) {
        if (!x->u.lit.is_null && !vm_dec_rescale(x->u.lit.i, from, s, VM_DEC_MAXPREC, &x->u.lit.i)) {
            ir_error(c->d, x->span, "the literal does not fit 18 digits at scale %d", s);
            return false;
        }
        x->u.lit.prec = (uint8_t)prec;
        x->u.lit.scale = (uint8_t)s;
        x->ty = tc_dec_type(prec, s, x->ty.nullable);
        return true;
    }
    *px = tc_new_dec_cast(c, x, prec, s);
    return true;
}

/* An integer or number literal, or an integer expression, as a decimal. */
static bool as_decimal(tc_ctx *c, ir_expr **px)
{
    ir_expr *x = *px;
    if (x->ty.type == TIR_DECIMAL || x->ty.type == TIR_DECIMAL128)
        return true;
    if (x->kind == IR_E_LIT)
        return tc_dec_lit(x) || wide_text_lit(c, px);
    if (x->ty.type == TIR_I32 || x->ty.type == TIR_I64) {
        *px = tc_new_dec_cast(c, x, x->ty.type == TIR_I32 ? 10 : VM_DEC_MAXPREC, 0);
        return true;
    }
    return false;
}

bool tc_coerce_dec(tc_ctx *c, ir_expr **pe, ir_coltype want)
{
    ir_expr *e = *pe;
    if (tc_is_null_lit(e)) {
        tc_dec_lit(e);
        e->ty = tc_dec_type(want.prec, want.scale, true);
        return true;
    }
    if (!as_decimal(c, pe))
        return false;
    e = *pe;
    if (e->ty.type == TIR_DECIMAL128)   /* a literal of more than 18 digits: no narrow one holds it */
        return false;
    if (e->ty.scale > want.scale) {
        if (e->kind != IR_E_LIT)
            return false;
        /* a literal with more digits than the column: only when exact (5.10 at scale 1) */
        int64_t d = vm_pow10(e->ty.scale - want.scale);
        if (e->u.lit.i % d)
            return false;
        e->u.lit.i /= d;
        e->u.lit.scale = want.scale;
        e->ty.scale = want.scale;
        e->u.lit.prec = (uint8_t)imax(1, imax(ndigits(e->u.lit.i), want.scale));
        e->ty.prec = e->u.lit.prec;
        return true;
    }
    return to_scale(c, pe, want.scale);
}

static bool to_wide(tc_ctx *c, ir_expr **px, int s);

bool tc_coerce_wide(tc_ctx *c, ir_expr **pe, ir_coltype want)
{
    if (tc_is_null_lit(*pe)) {
        tc_dec_lit(*pe);
        (*pe)->ty = tc_dec_type(1, 0, true);
    }
    if (!as_decimal(c, pe) || (*pe)->ty.scale > want.scale)
        return false;
    return to_wide(c, pe, want.scale);
}

bool tc_dec_unify(tc_ctx *c, ir_expr ***br, int nb, ir_coltype *out)
{
    int ip = 0, s = 0;
    bool wide = false;
    for (int i = 0; i < nb; i++) {
        ir_expr *x = *br[i];
        if (tc_is_null_lit(x))
            continue;
        if (!as_decimal(c, br[i]))
            return false;
        x = *br[i];
        ip = imax(ip, x->ty.prec - x->ty.scale);
        s = imax(s, x->ty.scale);
        wide |= x->ty.type == TIR_DECIMAL128;
    }
    if (wide) {   /* every branch wide at the one scale; NULLs too */
        *out = tc_dec_type(imin(VM_DEC128_MAXPREC, ip + s), s, false);
        out->type = TIR_DECIMAL128;
        for (int i = 0; i < nb; i++) {
            if (tc_is_null_lit(*br[i])) {
                tc_dec_lit(*br[i]);
                (*br[i])->ty = tc_dec_type(1, 0, true);
            }
            if (!to_wide(c, br[i], s))
                return false;
        }
        return true;
    }
    *out = tc_dec_type(imin(VM_DEC_MAXPREC, ip + s), s, false);
    for (int i = 0; i < nb; i++)
        if (!tc_coerce_dec(c, br[i], *out))
            return false;
    return true;
}

/* Both operands as f64 (decimal ÷ anything, decimal with f64). */
static void both_f64(tc_ctx *c, ir_expr *e)
{
    ir_expr **p[2] = {&e->u.op.a, &e->u.op.b};
    for (int k = 0; k < 2; k++) {
        if ((*p[k])->ty.type == TIR_F64)
            continue;
        if ((*p[k])->kind == IR_E_LIT && tc_lit_convert(*p[k], TIR_F64))
            continue;
        if ((*p[k])->kind == IR_E_LIT && (*p[k])->u.lit.type == TIR_DECIMAL) {
            ir_lit *l = &(*p[k])->u.lit;
            l->f = (double)l->i / (double)vm_pow10(l->scale);
            l->type = TIR_F64;
            (*p[k])->ty = (ir_coltype){.type = TIR_F64};
            continue;
        }
        *p[k] = tc_new_cast(c, *p[k], TIR_F64);
    }
}

/* x as a wide decimal at scale s, by a cast the lowering folds when x is a
** literal (checked here to fit 38 digits) and runs otherwise (its overflow
** is the run-time error, as DuckDB's cast of a comparison's operand). Its
** digits: x's grown by the rescale, at least 19 (the wide form's), at most 38. */
static bool to_wide(tc_ctx *c, ir_expr **px, int s)
{
    ir_expr *x = *px;
    int prec = imax(VM_DEC_MAXPREC + 1, imin(VM_DEC128_MAXPREC, x->ty.prec + (s - x->ty.scale)));
    if (x->ty.type == TIR_DECIMAL128 && x->ty.scale == s)
        return true;
    __int128 w;
    if (x->kind == IR_E_CAST && x->u.cast.a->kind == IR_E_LIT && x->ty.type == TIR_DECIMAL128) {
        /* a wide literal (tc_dec_wide_lit_cast) at a larger scale: the same
        ** constant with more zeros, so it stays one (and bounds a scan's blocks) */
        ir_lit *l = &x->u.cast.a->u.lit;
        bool fits = l->is_null || (l->type == TIR_STRING ? vm_dec128_parse(l->s, l->slen, VM_DEC128_MAXPREC, s, &w) == VM_DEC_OK
                                                         : k_dec_to128(&l->i, NULL, NULL, 1, l->scale, s, VM_DEC128_MAXPREC, &w));
        if (!fits) {
            ir_error(c->d, x->span, "the literal does not fit 38 digits at scale %d", s);
            return false;
        }
        x->u.cast.to_prec = (uint8_t)prec;
        x->u.cast.to_scale = (uint8_t)s;
        x->ty.prec = (uint8_t)prec;
        x->ty.scale = (uint8_t)s;
        return true;
    }
    if (x->kind == IR_E_LIT && !x->u.lit.is_null &&
        !k_dec_to128(&x->u.lit.i, NULL, NULL, 1, x->ty.scale, s, VM_DEC128_MAXPREC, &w)) {
        ir_error(c->d, x->span, "the literal does not fit 38 digits at scale %d", s);
        return false;
    }
    ir_expr *e = tc_new_dec_cast(c, x, prec, s);
    e->u.cast.to = TIR_DECIMAL128;
    e->ty.type = TIR_DECIMAL128;
    *px = e;
    return true;
}

/* An operation with a wide operand (the other a decimal by now): both wide,
** DuckDB's result types capped at 38 digits (so always wide: the wide
** operand alone has 19). */
static bool wide_binary(tc_ctx *c, ir_expr *e, bool nullable)
{
    ir_op op = e->u.op.op;
    ir_expr **pa = &e->u.op.a, **pb = &e->u.op.b;
    ir_coltype ta = (*pa)->ty, tb = (*pb)->ty;
    int s = imax(ta.scale, tb.scale), ip = imax(ta.prec - ta.scale, tb.prec - tb.scale);
    char t1[32], t2[32];
    if (op == IR_MUL) {
        int ms = ta.scale + tb.scale;
        if (ms > VM_DEC128_MAXPREC) {
            ir_error(c->d, e->span,
                     "the product of %s and %s has %d digits after the point, more than 38; cast an operand "
                     "to fewer",
                     ir_type_text(ta.type, ta.prec, ta.scale, t1), ir_type_text(tb.type, tb.prec, tb.scale, t2), ms);
            return false;
        }
        if (!to_wide(c, pa, ta.scale) || !to_wide(c, pb, tb.scale))
            return false;
        e->ty = tc_dec_type(imax(ms, imin(VM_DEC128_MAXPREC, ta.prec + tb.prec)), ms, nullable);
        e->ty.type = TIR_DECIMAL128;
        return true;
    }
    if (!to_wide(c, pa, s) || !to_wide(c, pb, s))
        return false;
    if (op >= IR_EQ && op <= IR_GE) {
        e->ty = (ir_coltype){.type = TIR_BOOL, .nullable = nullable};
        return true;
    }
    /* + and - may carry one digit; x % y is below |y| (a zero y: NULL) */
    e->ty = tc_dec_type(imin(VM_DEC128_MAXPREC, ip + s + (op != IR_MOD)), s, nullable || op == IR_MOD);
    e->ty.type = TIR_DECIMAL128;
    return true;
}

bool tc_dec_binary(tc_ctx *c, ir_expr *e, bool nullable)
{
    ir_op op = e->u.op.op;
    ir_expr **pa = &e->u.op.a, **pb = &e->u.op.b;
    bool cmp = op >= IR_EQ && op <= IR_GE;
    for (int k = 0; k < 2; k++) {
        ir_expr *x = k ? *pb : *pa, *y = k ? *pa : *pb;
        if (tc_is_null_lit(x) && (y->ty.type == TIR_DECIMAL || y->ty.type == TIR_DECIMAL128)) {
            tc_dec_lit(x);   /* facing a wide decimal: a narrow NULL that to_wide casts */
            x->ty = tc_dec_type(imin(VM_DEC_MAXPREC, y->ty.prec), imin(VM_DEC_MAXPREC, y->ty.scale), true);
        }
    }
    bool wide = (*pa)->ty.type == TIR_DECIMAL128 || (*pb)->ty.type == TIR_DECIMAL128;
    for (int k = 0; k < 2; k++) {
        ir_expr **px = k ? pb : pa, *x = *px;
        if (x->ty.type == TIR_DECIMAL || x->ty.type == TIR_DECIMAL128)
            continue;
        if (wide && x->ty.type == TIR_I64 && !tc_is_null_lit(x)) {   /* all 19 digits of an i64 */
            if (x->kind == IR_E_LIT) {
                x->u.lit.type = TIR_DECIMAL;
                x->u.lit.scale = 0;
                x->u.lit.prec = (uint8_t)ndigits(x->u.lit.i);
                x->ty = tc_dec_type(x->u.lit.prec, 0, false);
            } else {
                *px = tc_new_dec_cast(c, x, VM_DEC_MAXPREC + 1, 0);
                (*px)->u.cast.to = TIR_DECIMAL128;
                (*px)->ty.type = TIR_DECIMAL128;
            }
            continue;
        }
        if (x->ty.type == TIR_F64 && x->kind == IR_E_LIT && !tc_dec_lit(x) && wide_text_lit(c, px))
            continue;   /* its digits as written, wide */
        if (x->ty.type == TIR_F64 && (x->kind != IR_E_LIT || !tc_dec_lit(x))) {
            both_f64(c, e);
            e->ty = (ir_coltype){.type = cmp ? TIR_BOOL : TIR_F64,
                                 .nullable = nullable || op == IR_DIV || op == IR_MOD};
            return true;
        }
        if (!as_decimal(c, px)) {
            if (cmp)
                ir_error(c->d, e->span, "cannot compare %s with %s", tc_type_name((*pa)->ty.type),
                         tc_type_name((*pb)->ty.type));
            else
                ir_error(c->d, x->span, "operator '%s' needs numeric operands, found %s", ir_op_str(op),
                         tc_type_name(x->ty.type));
            return false;
        }
    }
    ir_coltype ta = (*pa)->ty, tb = (*pb)->ty;
    int s = imax(ta.scale, tb.scale), ip = imax(ta.prec - ta.scale, tb.prec - tb.scale);
    if (op == IR_DIV) {   /* as DuckDB: decimal division is done in double */
        both_f64(c, e);
        e->ty = (ir_coltype){.type = TIR_F64, .nullable = true};
        return true;
    }
    if (ta.type == TIR_DECIMAL128 || tb.type == TIR_DECIMAL128)
        return wide_binary(c, e, nullable);
    switch (op) {
    case IR_MUL: {
        int ms = ta.scale + tb.scale;
        if (ms > VM_DEC_MAXPREC) {
            char t1[32], t2[32];
            ir_error(c->d, e->span,
                     "the product of %s and %s has %d digits after the point, more than 18; cast an operand "
                     "to fewer",
                     ir_type_text(ta.type, ta.prec, ta.scale, t1), ir_type_text(tb.type, tb.prec, tb.scale, t2), ms);
            return false;
        }
        e->ty = tc_dec_type(imax(ms, imin(VM_DEC_MAXPREC, ta.prec + tb.prec)), ms, nullable);
        return true;
    }
    default:
        break;
    }
    if (!to_scale(c, pa, s) || !to_scale(c, pb, s))
        return false;
    if (cmp)
        e->ty = (ir_coltype){.type = TIR_BOOL, .nullable = nullable};
    else   /* + and - may carry one digit; x % y is below |y| */
        e->ty = tc_dec_type(imin(VM_DEC_MAXPREC, ip + s + (op != IR_MOD)), s, nullable || op == IR_MOD);
    return true;
}

bool tc_dec_cast_ok(tir_type from, tir_type to)
{
    tir_type other = from == TIR_DECIMAL || from == TIR_DECIMAL128 ? to : from;
    return other == TIR_DECIMAL || other == TIR_DECIMAL128 || other == TIR_I32 || other == TIR_I64 || other == TIR_F64 || other == TIR_STRING;
}

/* cast(literal as decimal(p, s)) folded: the run would fail the same way. */
bool tc_dec_fold_cast(tc_ctx *c, ir_expr **pe)
{
    ir_expr *e = *pe, *a = e->u.cast.a;
    int p = e->u.cast.to_prec, s = e->u.cast.to_scale;
    ir_lit *l = &a->u.lit;
    int64_t v;
    bool ok;
    char tb[32];
    if (l->type == TIR_STRING) {
        vm_dec_err r = vm_dec_parse(l->s, l->slen, p, s, &v);
        if (r == VM_DEC_SYNTAX) {
            ir_error(c->d, a->span, "invalid decimal '%s'", l->s);
            return false;
        }
        ok = r == VM_DEC_OK;
    } else {
        ok = tc_dec_lit(a) && vm_dec_rescale(l->i, l->scale, s, p, &v);
    }
    if (!ok) {
        ir_error(c->d, e->span, "the value does not fit %s", ir_type_text(TIR_DECIMAL, p, s, tb));
        return false;
    }
    l->type = TIR_DECIMAL;
    l->i = v;
    l->prec = (uint8_t)p;
    l->scale = (uint8_t)s;
    a->ty = tc_dec_type(p, s, false);
    a->span = e->span;
    *pe = a;
    return true;
}

/* cast(number literal as decimal(p, s)) with p > 18: kept as a cast, which
** lowering folds into a 16-byte constant; whether it fits is known now. A
** string literal is refused (no wide literal in program text yet). */
bool tc_dec_wide_lit_cast(tc_ctx *c, ir_expr *e)
{
    ir_expr *a = e->u.cast.a;
    int p = e->u.cast.to_prec, s = e->u.cast.to_scale;
    char tb[32];
    __int128 w;
    if (a->u.lit.type == TIR_STRING) {   /* read exactly here, and again by lowering into its constant */
        vm_dec_err r = vm_dec128_parse(a->u.lit.s, a->u.lit.slen, p, s, &w);
        if (r == VM_DEC_SYNTAX) {
            ir_error(c->d, a->span, "invalid decimal '%s'", a->u.lit.s);
            return false;
        }
        if (r != VM_DEC_OK) {
            ir_error(c->d, e->span, "the value does not fit %s", ir_type_text(TIR_DECIMAL128, p, s, tb));
            return false;
        }
    } else if (!tc_dec_lit(a)) {
        ir_error(c->d, e->span, "%s: a wide decimal is cast from a number or string literal or from a value, not "
                 "from this literal", ir_type_text(TIR_DECIMAL128, p, s, tb));
        return false;
    } else if (!k_dec_to128(&a->u.lit.i, NULL, NULL, 1, a->u.lit.scale, s, p, &w)) {
        ir_error(c->d, e->span, "the value does not fit %s", ir_type_text(TIR_DECIMAL128, p, s, tb));
        return false;
    }
    e->ty = tc_dec_type(p, s, false);
    e->ty.type = TIR_DECIMAL128;
    return true;
}

/* An item of `x in [...]` when x is wide, at x's scale: a literal with more
** digits after the point only when they are zeros (as for narrow decimals),
** then cast to wide like a compared literal. Reports its own error. */
bool tc_dec_wide_item(tc_ctx *c, ir_expr **it, ir_coltype want)
{
    ir_expr *x = *it;
    char tb[32];
    if (x->ty.type == TIR_DECIMAL128 && x->ty.scale == want.scale)   /* checked before */
        return true;
    if (tc_is_null_lit(x)) {
        tc_dec_lit(x);
        x->ty = tc_dec_type(1, 0, true);
    } else if (x->kind == IR_E_LIT && !tc_dec_lit(x) && wide_text_lit(c, it)) {
        if ((*it)->ty.scale > want.scale) {   /* more digits after the point than x: not one of x's values */
            ir_error(c->d, x->span, "'in' item does not fit the operand's type %s",
                     ir_type_text(want.type, want.prec, want.scale, tb));
            return false;
        }
    } else if (x->kind != IR_E_LIT || !tc_dec_lit(x) ||
               (x->ty.scale > want.scale && !tc_coerce_dec(c, it, tc_dec_type(VM_DEC_MAXPREC, want.scale, false)))) {
        ir_error(c->d, x->span, "'in' item does not fit the operand's type %s",
                 ir_type_text(want.type, want.prec, want.scale, tb));
        return false;
    }
    return to_wide(c, it, want.scale);
}
