/*
** import.c — tir_import_csv and tir_table_describe (include/tir.h): a CSV
** file into a native table file, and a native table file as text.
**
** An import takes the schema from the caller (the body of a .tir table
** declaration, checked by the real parser and checker, so it accepts
** exactly what a program would) or infers it (infer.c), loads the file
** with the CSV loader, optionally sorts the rows by one column, and hands
** the rows to the store writer, which replaces the target crash-safely.
** Sorting moves row numbers, not values: the writer takes a permutation.
*/
#include "import.h"
#include "ast.h"
#include "csv.h"
#include "dates.h"
#include "kernels.h"
#include "sort.h"
#include "store.h"
#include "timestamp.h"
#include "decimal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { ERRLEN = 2048 };

static tir_status fail(tir_engine *e, tir_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static tir_status fail(tir_engine *e, tir_status st, const char *fmt, ...)
{
    char msg[ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vm_engine_set_error(e, msg);
    return st;
}

/* "a, b, c" for messages; malloc'd (NULL when out of memory). */
static char *name_list(int ncols, const vm_csv_col *cols)
{
    size_t n = 1;
    for (int c = 0; c < ncols; c++)
        n += strlen(cols[c].name) + 2;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    *p = '\0';
    for (int c = 0; c < ncols; c++)
        p += sprintf(p, "%s%s", c ? ", " : "", cols[c].name);
    return s;
}

static int find_col(int ncols, const vm_csv_col *cols, const char *name, size_t len)
{
    for (int c = 0; c < ncols; c++)
        if (strlen(cols[c].name) == len && memcmp(cols[c].name, name, len) == 0)
            return c;
    return -1;
}

static tir_status unknown_col(tir_engine *e, const char *what, const char *name, size_t len,
                              int ncols, const vm_csv_col *cols)
{
    char *list = name_list(ncols, cols);
    tir_status st = fail(e, TIR_ERR_ARG, "%s: no column '%.*s' in the table (columns: %s)", what,
                         (int)len, name, list ? list : "?");
    free(list);
    return st;
}

/* ------------------------------------------------------------- schema */

/* Parses a declared schema by wrapping it in a table declaration and
** running the front end and the checker on it. Positions in messages are
** translated back into the schema text. */
static tir_status parse_schema(tir_engine *e, const char *schema, int *ncols, vm_csv_col **out)
{
    static const char pre[] = "t: Table = read_csv(\"x\") {\n", post[] = "\n}\n";
    const size_t plen = sizeof pre - 1, slen = strlen(schema);
    if (strspn(schema, " \t\r\n") == slen)
        return fail(e, TIR_ERR_COMPILE, "schema: error: no columns declared (expected name: type, ...)");
    char *src = malloc(plen + slen + sizeof post);
    if (!src)
        return fail(e, TIR_ERR_NOMEM, "out of memory");
    memcpy(src, pre, plen);
    memcpy(src + plen, schema, slen);
    memcpy(src + plen + slen, post, sizeof post);
    size_t len = plen + slen + sizeof post - 1;

    ir_arena a;
    ir_diags d;
    ir_program *p = NULL;
    ir_arena_init(&a);
    ir_diags_init(&d, &a, "schema", src, len);
    bool ok = fe_parse(&a, &d, "schema", src, len, NULL, &p) && p;
    /* A '}' in the text would close the declaration early and let more
    ** items follow: only one table with a column block is a schema. */
    if (ok && (p->ntables != 1 || p->npipelines != 0 || p->noutputs != 0 || p->tables[0]->schema.n == 0)) {
        ir_diags_free(&d);
        ir_arena_free(&a);
        free(src);
        return fail(e, TIR_ERR_COMPILE, "schema: error: expected only column declarations (name: type [nullable] "
                                        "[unique] [asc|desc], ...)");
    }
    if (ok)
        ok = tc_check(&a, &d, p);
    tir_status st = TIR_OK;
    if (a.nomem) {   /* not the schema's fault */
        st = fail(e, TIR_ERR_NOMEM, "out of memory");
    } else if (!ok || d.nerrors) {
        char msg[ERRLEN];
        size_t m = 0;
        msg[0] = '\0';
        for (size_t i = 0; i < d.n && m + 1 < sizeof msg; i++) {
            const ir_diagnostic *g = &d.items[i];
            if (g->severity != TIR_SEV_ERROR)
                continue;
            /* clamp positions in the wrapper to the nearest end of the schema */
            uint32_t off = g->span.off < plen ? 0 : g->span.off - (uint32_t)plen;
            if (off > slen)
                off = (uint32_t)slen;
            int line, col;
            ir_linecol(schema, slen, off, &line, &col);
            int k = snprintf(msg + m, sizeof msg - m, "%sschema:%d:%d: error: %s", m ? "\n" : "", line, col,
                             g->message);
            m = k < 0 ? sizeof msg : m + (size_t)k;
        }
        st = fail(e, TIR_ERR_COMPILE, "%s", msg[0] ? msg : "schema: error");
    } else {
        const ir_schema *s = &p->tables[0]->schema;
        vm_csv_col *cols = calloc((size_t)s->n, sizeof *cols);
        for (int c = 0; cols && c < s->n; c++) {
            const ir_coltype *t = &s->cols[c].ty;
            char *name = strdup(s->cols[c].name.s);
            if (!name) {
                vm_csv_cols_free(c, cols);
                cols = NULL;
                break;
            }
            cols[c] = (vm_csv_col){name, t->type, t->nullable,
                                   t->order == IR_ORDER_ASC ? 1 : t->order == IR_ORDER_DESC ? 2 : 0, t->unique, t->prec, t->scale};
        }
        if (cols) {
            *ncols = s->n;
            *out = cols;
        } else {
            st = fail(e, TIR_ERR_NOMEM, "out of memory");
        }
    }
    ir_diags_free(&d);
    ir_arena_free(&a);
    free(src);
    return st;
}

/* -------------------------------------------------------------- sorting */

static int cmp_str_rows(const vm_column *c, uint64_t x, uint64_t y)
{
    const tir_str *a = &((const tir_str *)c->data)[x], *b = &((const tir_str *)c->data)[y];
    uint32_t n = a->len < b->len ? a->len : b->len;
    int r = memcmp(tir_str_ptr(a), tir_str_ptr(b), n);
    return r ? r : (a->len > b->len) - (a->len < b->len);
}

enum { MAX_SORT_KEYS = 16 };

/* The keys of --sort-by: "col [asc|desc] [nulls first|last], ..." (the
** defaults of the sort operator: asc, NULLs last). */
typedef struct sort_spec {
    int n;
    int col[MAX_SORT_KEYS];
    unsigned flags[MAX_SORT_KEYS];   /* K_SK_DESC, K_SK_NULLS_FIRST */
} sort_spec;

static bool word_at(const char **p, const char *end, const char *w)
{
    size_t n = strlen(w);
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    if ((size_t)(end - *p) < n || strncasecmp(*p, w, n) || (*p + n < end && !strchr(" \t", (*p)[n])))
        return false;
    *p += n;
    return true;
}

static tir_status parse_sort_by(tir_engine *e, const char *spec, int ncols, const vm_csv_col *cols, sort_spec *out)
{
    out->n = 0;
    for (const char *b = spec;;) {
        const char *end = b + strcspn(b, ","), *p = b;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *name = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t)(p - name);
        int c = len ? find_col(ncols, cols, name, len) : -1;
        if (c < 0)
            return len ? unknown_col(e, "sort_by", name, len, ncols, cols)
                       : fail(e, TIR_ERR_ARG, "sort_by: empty column name in '%s'", spec);
        if (out->n == MAX_SORT_KEYS)
            return fail(e, TIR_ERR_ARG, "sort_by: at most %d keys", MAX_SORT_KEYS);
        unsigned f = 0;
        if (word_at(&p, end, "desc"))
            f |= K_SK_DESC;
        else
            word_at(&p, end, "asc");
        if (word_at(&p, end, "nulls")) {
            if (word_at(&p, end, "first"))
                f |= K_SK_NULLS_FIRST;
            else if (!word_at(&p, end, "last"))
                return fail(e, TIR_ERR_ARG, "sort_by: expected 'nulls first' or 'nulls last' in '%.*s'",
                            (int)(end - b), b);
        }
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p != end)
            return fail(e, TIR_ERR_ARG, "sort_by: cannot read '%.*s' (expected: column [asc|desc] [nulls first|last])",
                        (int)(end - b), b);
        out->col[out->n] = c;
        out->flags[out->n++] = f;
        if (!*end)
            return TIR_OK;
        b = end + 1;
    }
}

/* The rows of t in the order of the keys, stably. */
static tir_status sort_rows(tir_engine *e, const vm_table *t, const sort_spec *k, uint64_t **perm)
{
    const vm_column *keys[MAX_SORT_KEYS];
    unsigned flags[MAX_SORT_KEYS];
    for (int i = 0; i < k->n; i++) {
        keys[i] = &t->cols[k->col[i]];
        flags[i] = k->flags[i] | (keys[i]->validity ? K_SK_NULLABLE : 0);
    }
    tir_status st = vm_sort_perm(keys, flags, k->n, t->nrows, vm_engine_pool(e), vm_engine_threads(e), perm);
    return st ? fail(e, st, "out of memory while sorting %llu rows", (unsigned long long)t->nrows) : TIR_OK;
}

/* Compares two rows of a column as the CSV loader's order check does. */
static int cmp_rows(const vm_column *c, uint64_t x, uint64_t y)
{
    switch (c->type) {
    case TIR_BOOL: {
        uint8_t a = ((const uint8_t *)c->data)[x], b = ((const uint8_t *)c->data)[y];
        return (a > b) - (a < b);
    }
    case TIR_I32:
    case TIR_DATE: {
        int32_t a = ((const int32_t *)c->data)[x], b = ((const int32_t *)c->data)[y];
        return (a > b) - (a < b);
    }
    case TIR_I64: {
        int64_t a = ((const int64_t *)c->data)[x], b = ((const int64_t *)c->data)[y];
        return (a > b) - (a < b);
    }
    case TIR_DECIMAL128: {
        __int128 a = ((const __int128 *)c->data)[x], b = ((const __int128 *)c->data)[y];
        return (a > b) - (a < b);
    }
    case TIR_INTERVAL: {   /* by the normalized value, as the sort has them */
        __int128 a = k_iv_key(((const tir_interval *)c->data)[x]), b = k_iv_key(((const tir_interval *)c->data)[y]);
        return (a > b) - (a < b);
    }
    case TIR_F64: {
        double a = ((const double *)c->data)[x], b = ((const double *)c->data)[y];
        return (a > b) - (a < b);
    }
    case TIR_STRING: return cmp_str_rows(c, x, y);
    default: return 0;
    }
}

/* After sorting by another column, a declared order must still hold. */
static tir_status check_order(tir_engine *e, const vm_table *t, const vm_csv_col *d, int c,
                              const uint64_t *perm, const char *sort_by)
{
    const vm_column *col = &t->cols[c];
    for (uint64_t i = 0; i < t->nrows; i++) {
        if (!vm_bit_get(col->validity, perm[i]))
            return fail(e, TIR_ERR_DATA, "column %s is declared %s but holds NULL (data row %llu)", d->name,
                        d->order == 1 ? "asc" : "desc", (unsigned long long)perm[i] + 1);
        if (i == 0)
            continue;
        int r = cmp_rows(col, perm[i - 1], perm[i]);
        if (d->order == 2)
            r = -r;
        if (r > 0 || (r == 0 && d->unique))
            return fail(e, TIR_ERR_DATA,
                        "column %s is declared %s%s but is not in that order once the rows are sorted by %s "
                        "(data rows %llu and %llu)",
                        d->name, d->unique ? "unique " : "", d->order == 1 ? "asc" : "desc", sort_by,
                        (unsigned long long)perm[i - 1] + 1, (unsigned long long)perm[i] + 1);
    }
    return TIR_OK;
}

/* --------------------------------------------------------------- import */

tir_status tir_import_csv(tir_engine *e, const char *csv_path, const char *table_path,
                          const tir_import_opts *o, uint64_t *rows)
{
    static const tir_import_opts defaults;
    if (!e)
        return TIR_ERR_ARG;
    vm_engine_set_error(e, "");
    if (rows)
        *rows = 0;
    if (!o)
        o = &defaults;
    if (!csv_path || !table_path)
        return fail(e, TIR_ERR_ARG, "import: the CSV path and the table path are required");
    char why[600];
    if (!vm_engine_may(e, csv_path, false, why, sizeof why) || !vm_engine_may(e, table_path, true, why, sizeof why))
        return fail(e, errno == ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_IO, "import: %s", why);
    char delim = o->delimiter ? o->delimiter : ',';
    if (delim == '"' || delim == '\n' || delim == '\r')
        return fail(e, TIR_ERR_ARG, "import: the delimiter cannot be a quote, CR or LF");
    if (o->block_rows % 64)
        return fail(e, TIR_ERR_ARG, "import: block_rows must be a multiple of 64, not %u", (unsigned)o->block_rows);
    vm_csv_opts co = {delim, !o->no_header, o->null_string ? o->null_string : "", vm_engine_memory_limit(e)};

    char err[ERRLEN] = "";
    int ncols = 0;
    vm_csv_col *cols = NULL, *load_cols = NULL;
    vm_store_colspec *spec = NULL;
    vm_table *t = NULL;
    uint64_t *perm = NULL;
    tir_status st;
    if (o->schema)
        st = parse_schema(e, o->schema, &ncols, &cols);
    else if ((st = vm_csv_infer(csv_path, &co, &ncols, &cols, err, sizeof err)) != TIR_OK)
        fail(e, st, "%s", err);
    if (st != TIR_OK)
        return st;

    spec = calloc((size_t)ncols, sizeof *spec);
    load_cols = malloc(sizeof *load_cols * (size_t)ncols);
    if (!spec || !load_cols) {
        st = fail(e, TIR_ERR_NOMEM, "out of memory");
        goto out;
    }
    sort_spec keys = {0};
    if (o->sort_by && (st = parse_sort_by(e, o->sort_by, ncols, cols, &keys)) != TIR_OK)
        goto out;
    int sort_col = keys.n ? keys.col[0] : -1;
    for (const char *b = o->bloom; b && *b;) {
        size_t len = strcspn(b, ",");
        const char *name = b;
        while (len && (*name == ' ' || *name == '\t'))
            name++, len--;
        while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
            len--;
        int c = len ? find_col(ncols, cols, name, len) : -1;
        if (c < 0) {
            if (len)
                st = unknown_col(e, "bloom", name, len, ncols, cols);
            else
                st = fail(e, TIR_ERR_ARG, "bloom: empty column name in '%s'", o->bloom);
            goto out;
        }
        spec[c].bloom = true;
        b += strcspn(b, ",");
        b += *b == ',';
    }

    /* With a sort, declared orders hold in the sorted rows, not the file's:
    ** the loader checks only uniqueness then, check_order the rest. */
    for (int c = 0; c < ncols; c++) {
        load_cols[c] = cols[c];
        if (sort_col >= 0)
            load_cols[c].order = 0;
    }
    if ((st = vm_csv_load(csv_path, &co, ncols, load_cols, &t, err, sizeof err)) != TIR_OK) {
        fail(e, st, "%s", err);
        goto out;
    }
    if (sort_col >= 0) {
        if ((st = sort_rows(e, t, &keys, &perm)) != TIR_OK)
            goto out;
        for (int c = 0; c < ncols; c++)
            if (cols[c].order && (st = check_order(e, t, &cols[c], c, perm, cols[sort_col].name)) != TIR_OK)
                goto out;
    }
    for (int c = 0; c < ncols; c++) {
        spec[c].name = cols[c].name;
        spec[c].type = vm_phys(cols[c].type);   /* a decimal: its i64, with prec and scale (store.h) */
        spec[c].prec = cols[c].type == TIR_DECIMAL || cols[c].type == TIR_DECIMAL128 ? cols[c].prec : 0;
        spec[c].timestamp = cols[c].type == TIR_TIMESTAMP;
        spec[c].scale = cols[c].scale;
        spec[c].nullable = cols[c].nullable;
        spec[c].unique = cols[c].unique;
        spec[c].order = (uint8_t)cols[c].order;
    }
    /* the first key's values are in order now, its NULLs at one end */
    if (sort_col >= 0 && !cols[sort_col].order)
        spec[sort_col].order = keys.flags[0] & K_SK_DESC ? 2 : 1;
    if ((st = vm_store_write(table_path, t, spec, perm, o->block_rows, err, sizeof err)) != TIR_OK) {
        fail(e, st, "%s", err);
        goto out;
    }
    if (rows)
        *rows = t->nrows;
out:
    free(perm);
    vm_table_free(t);
    free(spec);
    free(load_cols);
    vm_csv_cols_free(ncols, cols);
    return st;
}

/* ------------------------------------------------------------- describe */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        if (b->oom)
            return;
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = true;
            return;
        }
        if (b->p && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t ncap = b->cap ? b->cap : 1024;
        while (ncap <= b->n + (size_t)k)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
}

/* Shortest %g form that reads back as the same double. */
static void fmt_f64(double d, char *out, size_t cap)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, d);
        if (strtod(out, NULL) == d)
            return;
    }
}

/* A statistic as text: strings quoted, at most 24 bytes shown, other than
** printable ASCII as \xNN. */
static void fmt_val(tir_type t, const vm_store_val *v, char *out, size_t cap)
{
    switch (t) {
    case TIR_BOOL: snprintf(out, cap, "%s", v->i ? "true" : "false"); break;
    case TIR_I32:
    case TIR_I64:
    case TIR_DECIMAL: snprintf(out, cap, "%lld", (long long)v->i); break;   /* decimals: the scaled integer */
    case TIR_DECIMAL128:
        if (cap >= 42)
            vm_dec128_format(v->w, 0, out);
        break;
    case TIR_TIMESTAMP:
        if (cap >= TIR_TIMESTAMP_TEXT_SIZE)
            vm_timestamp_format(v->i, out);
        break;
    case TIR_INTERVAL:   /* its normalized value, which the key stands for */
        if (cap >= 80)
            tir_interval_format(k_iv_from_key(v->w), out);
        break;
    case TIR_F64: fmt_f64(v->f, out, cap); break;
    case TIR_DATE:
        if (cap >= TIR_DATE_TEXT_SIZE)
            vm_date_text((int32_t)v->i, out);
        break;
    case TIR_STRING:
        out[0] = '"';
        vm_csv_show(tir_str_ptr(&v->s), v->s.len, 24, "\"\\", out + 1, cap - 2);
        strcat(out, "\"");
        break;
    default: snprintf(out, cap, "?"); break;
    }
}

enum { SHOW_BLOCKS = 20, CELL = 112 };

/* The per-block table: block, first row, rows, and per column nulls, min
** and max ("-" when no bound is kept: every row NULL, or a string too long). */
static void describe_blocks(sbuf *b, const vm_store *s)
{
    uint32_t nb = vm_store_nblocks(s), shown = nb < SHOW_BLOCKS ? nb : SHOW_BLOCKS;
    int nc = vm_store_ncols(s), w = 3 + 3 * nc;
    char (*cell)[CELL] = calloc((size_t)(shown + 1) * (size_t)w, CELL);
    size_t *width = calloc((size_t)w, sizeof *width);
    if (!cell || !width) {
        free(cell);
        free(width);
        b->oom = true;
        return;
    }
    snprintf(cell[0], CELL, "block");
    snprintf(cell[1], CELL, "first row");
    snprintf(cell[2], CELL, "rows");
    for (int c = 0; c < nc; c++) {
        const char *name = vm_store_col(s, c)->name;
        snprintf(cell[3 + 3 * c], CELL, "%.90s nulls", name);
        snprintf(cell[4 + 3 * c], CELL, "%.90s min", name);
        snprintf(cell[5 + 3 * c], CELL, "%.90s max", name);
    }
    for (uint32_t k = 0; k < shown; k++) {
        char (*row)[CELL] = cell + (size_t)(k + 1) * (size_t)w;
        snprintf(row[0], CELL, "%u", (unsigned)k);
        snprintf(row[1], CELL, "%llu", (unsigned long long)vm_store_block_first(s, k));
        snprintf(row[2], CELL, "%u", (unsigned)vm_store_block_len(s, k));
        for (int c = 0; c < nc; c++) {
            const vm_store_stat *st = vm_store_block_stat(s, k, c);
            tir_type t = vm_store_coltype(vm_store_col(s, c));
            snprintf(row[3 + 3 * c], CELL, "%llu", (unsigned long long)st->nulls);
            if (st->has_min)
                fmt_val(t, &st->min, row[4 + 3 * c], CELL);
            else
                snprintf(row[4 + 3 * c], CELL, "-");
            if (st->has_max)
                fmt_val(t, &st->max, row[5 + 3 * c], CELL);
            else
                snprintf(row[5 + 3 * c], CELL, "-");
        }
    }
    for (uint32_t k = 0; k <= shown; k++)
        for (int j = 0; j < w; j++) {
            size_t l = strlen(cell[(size_t)k * (size_t)w + (size_t)j]);
            if (l > width[j])
                width[j] = l;
        }
    sb_printf(b, nb ? "block statistics:\n" : "block statistics: none\n");
    for (uint32_t k = 0; nb && k <= shown; k++) {
        for (int j = 0; j < w; j++) {
            const char *v = cell[(size_t)k * (size_t)w + (size_t)j];
            /* numbers line up on the right, strings read from the left */
            bool left = j >= 3 && (j - 3) % 3 != 0 && vm_store_col(s, (j - 3) / 3)->type == TIR_STRING;
            if (!left)
                sb_printf(b, "  %*s", (int)width[j], v);
            else if (j == w - 1)
                sb_printf(b, "  %s", v);
            else
                sb_printf(b, "  %-*s", (int)width[j], v);
        }
        sb_printf(b, "\n");
    }
    if (nb > shown)
        sb_printf(b, "  ... %u more block%s\n", (unsigned)(nb - shown), nb - shown == 1 ? "" : "s");
    free(cell);
    free(width);
}

tir_status tir_table_describe(tir_engine *e, const char *table_path, bool verify, char **text)
{
    if (!e)
        return TIR_ERR_ARG;
    vm_engine_set_error(e, "");
    if (!text)
        return fail(e, TIR_ERR_ARG, "describe: text must not be NULL");
    *text = NULL;
    if (!table_path)
        return fail(e, TIR_ERR_ARG, "describe: the table path is required");
    char why[600];
    if (!vm_engine_may(e, table_path, false, why, sizeof why))
        return fail(e, errno == ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_IO, "describe: %s", why);
    char err[ERRLEN] = "";
    vm_store *s = NULL;
    tir_status st = vm_store_open(table_path, &s, err, sizeof err);
    if (st == TIR_OK && verify)
        st = vm_store_verify(s, err, sizeof err);
    if (st != TIR_OK) {
        vm_store_close(s);
        return fail(e, st, "%s", err[0] ? err : tir_status_name(st));
    }

    sbuf b = {0};
    uint64_t nrows = vm_store_nrows(s), bytes = vm_store_file_bytes(s);
    uint32_t nb = vm_store_nblocks(s);
    int nc = vm_store_ncols(s);
    sb_printf(&b, "table: %s\n", vm_store_path(s));
    sb_printf(&b, "rows: %llu (%llu deleted)\n", (unsigned long long)nrows,
              (unsigned long long)vm_store_ndeleted(s));
    sb_printf(&b, "columns: %d\n", nc);
    sb_printf(&b, "blocks: %u of up to %u rows\n", (unsigned)nb, (unsigned)vm_store_block_rows(s));
    if (nrows)
        sb_printf(&b, "file: %llu bytes, %.2f bytes per row\n", (unsigned long long)bytes,
                  (double)bytes / (double)nrows);
    else
        sb_printf(&b, "file: %llu bytes\n", (unsigned long long)bytes);
    if (verify)
        sb_printf(&b, "checksums: all verified\n");
    sb_printf(&b, "schema:\n");
    for (int c = 0; c < nc; c++) {
        const vm_store_colspec *cs = vm_store_col(s, c);
        char tb[32];
        sb_printf(&b, "  %s: %s%s%s%s%s\n", cs->name, ir_type_text(vm_store_coltype(cs), cs->prec, cs->scale, tb), cs->nullable ? " nullable" : "",
                  cs->unique ? " unique" : "", cs->order == 1 ? " asc" : cs->order == 2 ? " desc" : "",
                  cs->bloom ? "  (bloom filter)" : "");
    }
    describe_blocks(&b, s);
    vm_store_close(s);
    if (b.oom) {
        free(b.p);
        return fail(e, TIR_ERR_NOMEM, "out of memory while describing %s", table_path);
    }
    *text = b.p;
    return TIR_OK;
}
