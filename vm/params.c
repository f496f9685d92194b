/*
** params.c — binding values to a program's parameters and checking them
** before a run. Values are typed on the way in, by the declared type, so a
** value can never become program text: a string is only ever a string.
*/
#include "params.h"
#include "csv.h"
#include "decimal.h"
#include "kernels.h"
#include "timestamp.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vm_binds_init(vm_binds *b, const ir_program *p)
{
    size_t n = (size_t)(p->nparams ? p->nparams : 1);
    b->prog = p;
    b->vals = calloc(n, sizeof *b->vals);
    b->bound = calloc(n, sizeof *b->bound);
    if (!b->vals || !b->bound) {
        vm_binds_free(b);
        return false;
    }
    for (int i = 0; i < p->nparams; i++)
        b->vals[i].type = p->params[i]->ty.type;
    return true;
}

/* The bytes a long string value holds (short ones live in the header). */
static void release(vm_const *v)
{
    if (v->type == TIR_STRING && !v->is_null && v->s.len > TIR_STR_INLINE)
        free((char *)v->s.u.ptr);
    v->is_null = false;
    memset(&v->s, 0, sizeof v->s);
}

void vm_binds_clear(vm_binds *b)
{
    for (int i = 0; b->vals && b->bound && i < b->prog->nparams; i++) {
        release(&b->vals[i]);
        b->bound[i] = false;
    }
}

void vm_binds_free(vm_binds *b)
{
    if (b->prog)
        vm_binds_clear(b);
    free(b->vals);
    free(b->bound);
    memset(b, 0, sizeof *b);
}

static tir_status fail(char *err, size_t errlen, tir_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static tir_status fail(char *err, size_t errlen, tir_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return st;
}

static int find(const vm_binds *b, const char *name)
{
    for (int i = 0; name && i < b->prog->nparams; i++)
        if (!strcmp(b->prog->params[i]->name.s, name))
            return i;
    return -1;
}

static tir_status unknown(const vm_binds *b, const char *name, char *err, size_t errlen)
{
    const ir_program *p = b->prog;
    char shown[168];
    vm_csv_show(name ? name : "(null)", name ? strlen(name) : 6, 40, "", shown, sizeof shown);
    int n = snprintf(err, errlen, "no parameter '%s' in %s (", shown, p->file);
    for (int i = 0; i < p->nparams && n >= 0 && (size_t)n < errlen; i++)
        n += snprintf(err + n, errlen - (size_t)n, "%s$%s", i ? ", " : "parameters: ", p->params[i]->name.s);
    if (n >= 0 && (size_t)n < errlen)
        snprintf(err + n, errlen - (size_t)n, "%s)", p->nparams ? "" : "it declares none");
    return TIR_ERR_ARG;
}

/* v (of the caller's type) as a value of declared type t in *out; false
** with *range set when it is a number out of t's range. */
static bool fits(const ir_coltype *ty, const vm_const *v, vm_const *out, bool *range)
{
    tir_type t = ty->type;
    *range = false;
    if (v->type == TIR_DECIMAL128) {   /* tir_bind_decimal128: a wide value at its own scale */
        if (t == TIR_DECIMAL128)
            *range = !k_dec_wide_rescale(&v->w, NULL, NULL, 1, v->scale, ty->scale, ty->prec, &out->w);
        else if (t == TIR_DECIMAL)
            *range = !k_dec_wide_to64(&v->w, NULL, NULL, 1, v->scale, ty->scale, ty->prec, &out->i);
        else
            return false;
        return !*range;
    }
    if (t == TIR_DECIMAL128) {   /* a number as the scaled __int128 */
        if (v->type == TIR_I32 || v->type == TIR_I64)
            *range = !k_dec_to128(&v->i, NULL, NULL, 1, 0, ty->scale, ty->prec, &out->w);
        else if (v->type == TIR_F64)
            *range = !k_dec_wide_from_f64(&v->f, NULL, NULL, 1, ty->prec, ty->scale, &out->w);
        else
            return false;
        return !*range;
    }
    if (t == TIR_DECIMAL && v->type != t) {   /* a number as the scaled i64 */
        if (v->type == TIR_I32 || v->type == TIR_I64)
            *range = !vm_dec_rescale(v->i, 0, ty->scale, ty->prec, &out->i);
        else if (v->type == TIR_F64)
            *range = !vm_dec_from_f64(v->f, ty->prec, ty->scale, &out->i);
        else
            return false;
        return !*range;
    }
    if (v->type == t) {
        out->i = v->i, out->f = v->f, out->s = v->s, out->months = v->months, out->days = v->days;
        return true;
    }
    bool integer = v->type == TIR_I32 || v->type == TIR_I64;
    if (t == TIR_I64 && v->type == TIR_I32) {
        out->i = v->i;
        return true;
    }
    if (t == TIR_I32 && v->type == TIR_I64) {
        *range = v->i < INT32_MIN || v->i > INT32_MAX;
        out->i = v->i;
        return !*range;
    }
    if (t == TIR_F64 && integer) {
        out->f = (double)v->i;
        return true;
    }
    return false;
}

/* "i64", "decimal(15,2)": into buf, returned. */
static const char *ptype(const ir_param *p, char buf[32])
{
    return ir_type_text(p->ty.type, p->ty.prec, p->ty.scale, buf);
}

tir_status vm_bind(vm_binds *b, const char *name, const vm_const *v, char *err, size_t errlen)
{
    int i = find(b, name);
    if (i < 0)
        return unknown(b, name, err, errlen);
    const ir_param *p = b->prog->params[i];
    vm_const val = {.type = p->ty.type, .is_null = v->is_null};
    bool range;
    char tb[32];
    if (v->is_null && !p->ty.nullable)
        return fail(err, errlen, TIR_ERR_ARG,
                    "parameter $%s is not nullable: declare it `$%s: %s nullable` to bind NULL", p->name.s,
                    p->name.s, ptype(p, tb));
    if (!v->is_null && !fits(&p->ty, v, &val, &range)) {
        if (range && (p->ty.type == TIR_DECIMAL || p->ty.type == TIR_DECIMAL128))
            return fail(err, errlen, TIR_ERR_ARG, "parameter $%s is %s; the value does not fit", p->name.s,
                        ptype(p, tb));
        if (range)
            return fail(err, errlen, TIR_ERR_ARG, "parameter $%s is %s; %" PRId64 " does not fit", p->name.s,
                        ptype(p, tb), v->i);
        return fail(err, errlen, TIR_ERR_ARG, "parameter $%s is %s, not %s", p->name.s, ptype(p, tb),
                    tir_type_name(v->type));
    }
    if (val.type == TIR_STRING && !val.is_null && val.s.len > TIR_STR_INLINE) {
        /* copied: the caller's buffer need not outlive the call */
        char *copy = malloc(val.s.len);
        if (!copy)
            return fail(err, errlen, TIR_ERR_NOMEM, "out of memory binding parameter $%s", p->name.s);
        memcpy(copy, v->s.u.ptr, val.s.len);
        val.s.u.ptr = copy;
    }
    release(&b->vals[i]);
    b->vals[i] = val;
    b->bound[i] = true;
    return TIR_OK;
}

tir_status vm_bind_str(vm_binds *b, const char *name, const char *s, size_t len, char *err, size_t errlen)
{
    if (len > UINT32_MAX)   /* tir_str lengths are 32-bit */
        return fail(err, errlen, TIR_ERR_ARG, "parameter $%s: a string of %zu bytes is too long (4 GiB at most)",
                    name ? name : "?", len);
    vm_const v = {.type = TIR_STRING, .s.len = (uint32_t)len};
    if (len <= TIR_STR_INLINE) {
        if (len)
            memcpy(v.s.prefix, s, len);
    } else {
        memcpy(v.s.prefix, s, 4);
        v.s.u.ptr = s;
    }
    return vm_bind(b, name, &v, err, errlen);
}

/* Text read as the declared type; false when it is not a value of it. */
static bool parse_text(const ir_coltype *ty, const char *s, size_t len, vm_const *v, bool *range)
{
    tir_type t = ty->type;
    bool b = false, ok;
    int32_t days = 0;
    *range = false;
    v->type = t;
    switch (t) {
    case TIR_BOOL:
        ok = vm_parse_bool(s, len, &b);
        v->i = b;
        return ok;
    case TIR_I32:
    case TIR_I64:
        if (!vm_parse_i64(s, len, &v->i))
            return false;
        *range = t == TIR_I32 && (v->i < INT32_MIN || v->i > INT32_MAX);
        return !*range;
    case TIR_F64:
        return vm_parse_f64(s, len, &v->f);
    case TIR_DATE:
        ok = vm_parse_date(s, len, &days);
        v->i = days;
        return ok;
    case TIR_TIMESTAMP:
        return vm_parse_timestamp(s, len, &v->i);
    case TIR_INTERVAL: {
        vm_interval iv;
        if (!vm_parse_interval(s, len, &iv))
            return false;
        v->months = iv.months, v->days = iv.days, v->i = iv.micros;
        return true;
    }
    case TIR_DECIMAL: {   /* exact, as a CSV field */
        vm_dec_err e = vm_dec_parse(s, len, ty->prec, ty->scale, &v->i);
        *range = e == VM_DEC_OVERFLOW;
        return e == VM_DEC_OK;
    }
    case TIR_DECIMAL128: {   /* at the declared scale already */
        vm_dec_err e = vm_dec128_parse(s, len, ty->prec, ty->scale, &v->w);
        v->scale = ty->scale;
        *range = e == VM_DEC_OVERFLOW;
        return e == VM_DEC_OK;
    }
    default:
        return false;
    }
}

tir_status vm_bind_text(vm_binds *b, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
    int i = find(b, name);
    if (i < 0)
        return unknown(b, name, err, errlen);
    const ir_param *p = b->prog->params[i];
    vm_const v = {.type = p->ty.type};
    if (p->ty.type == TIR_STRING)
        return vm_bind_str(b, name, text, len, err, errlen);
    bool range;
    if (!parse_text(&p->ty, text, len, &v, &range)) {
        static const char *const what[TIR_NTYPES] = {
            [TIR_BOOL] = "is not true or false", [TIR_I32] = "is not an integer", [TIR_I64] = "is not an integer",
            [TIR_F64] = "is not a number", [TIR_DATE] = "is not a date (expected YYYY-MM-DD)",
            [TIR_DECIMAL] = "is not a decimal number", [TIR_DECIMAL128] = "is not a decimal number",
            [TIR_TIMESTAMP] = "is not a timestamp (expected YYYY-MM-DD HH:MM:SS[.ffffff])",
            [TIR_INTERVAL] = "is not an interval (expected numbers with units and [-]HH:MM:SS, as 1 month 2 days 03:00:00)",
        };
        char shown[168], tb[32];
        vm_csv_show(text, len, 40, "'", shown, sizeof shown);
        return fail(err, errlen, TIR_ERR_ARG, "parameter $%s is %s: '%s' %s", p->name.s, ptype(p, tb), shown,
                    range ? "is out of range" : what[p->ty.type]);
    }
    return vm_bind(b, name, &v, err, errlen);
}

/* "file:line:col: error: " for a position in the program. */
static int at(const ir_program *p, ir_span s, char *err, size_t errlen)
{
    char where[512];
    ir_srcmap m = ir_prog_srcmap(p);
    ir_locate(where, sizeof where, &m, s);
    int n = snprintf(err, errlen, "%s: error: ", where);
    return n < 0 || (size_t)n >= errlen ? (int)errlen - 1 : n;
}

tir_status vm_binds_check(const vm_binds *b, char *err, size_t errlen)
{
    const ir_program *p = b->prog;
    int first = -1, more = 0;
    for (int i = 0; i < p->nparams; i++)
        if (!b->bound[i]) {
            more += first >= 0;
            first = first >= 0 ? first : i;
        }
    if (first >= 0) {
        const ir_param *prm = p->params[first];
        char tb[32];
        int n = at(p, prm->span, err, errlen);
        n += snprintf(err + n, errlen - (size_t)n, "parameter $%s (%s) is not bound", prm->name.s, ptype(prm, tb));
        const char *sep = " (nor is ";
        for (int i = first + 1; i < p->nparams && n >= 0 && (size_t)n < errlen; i++)
            if (!b->bound[i]) {
                n += snprintf(err + n, errlen - (size_t)n, "%s$%s", sep, p->params[i]->name.s);
                sep = ", ";
            }
        if (more && n >= 0 && (size_t)n < errlen)
            snprintf(err + n, errlen - (size_t)n, ")");
        return TIR_ERR_ARG;
    }
    for (int i = 0; i < p->nparams; i++) {
        const ir_param *prm = p->params[i];
        if (prm->nonneg.len && b->vals[i].i < 0) {
            int n = at(p, prm->nonneg, err, errlen);
            snprintf(err + n, errlen - (size_t)n, "parameter $%s is %" PRId64 "; a limit needs a value >= 0",
                     prm->name.s, b->vals[i].i);
            return TIR_ERR_ARG;
        }
    }
    return TIR_OK;
}
