/*
** test_arrow.c — the Arrow C Data / C Stream Interfaces (tir_arrow.h)
** without any Arrow library: arrays built by hand (offsets, bit-packed
** booleans, utf8 / large_utf8 / utf8_view, NULLs) registered and scanned,
** each release callback counted (exactly once, on errors too), unsupported
** types named, output schemas read after compile, and results exported as
** streams that outlive the result and read back in.
*/
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tir_arrow.h"

static tir_engine *e;
#include "apitest.h"

static void setup(void)
{
    tir_config cfg = {.threads = 2, .batch_size = 256};
    e = tir_engine_new(&cfg);
    cr_assert_not_null(e);
}

static void teardown(void)
{
    tir_engine_free(e);
}

TestSuite(arrow, .init = setup, .fini = teardown);

/* ------------------------------------------------ hand-built producer */

/* One column of a batch as the producer lays it out. */
typedef struct tcol {
    const char *format, *name;
    int64_t offset, null_count;
    const void *bufs[4];
    int nbuf;
} tcol;

/* What a batch's release frees; releases counted in *count. */
typedef struct tbatch {
    int *count;
    struct ArrowArray *kids;
    struct ArrowArray **ptrs;
    const void *top[1];
} tbatch;

static void release_kid(struct ArrowArray *a)
{
    a->release = NULL;
}

static void release_batch(struct ArrowArray *a)
{
    tbatch *b = a->private_data;
    for (int64_t i = 0; i < a->n_children; i++) {
        cr_assert_not_null(b->kids[i].release, "a child released twice");
        b->kids[i].release(&b->kids[i]);
    }
    (*b->count)++;
    free(b->kids);
    free(b->ptrs);
    free(b);
    a->release = NULL;
}

static struct ArrowArray make_batch(int ncols, const tcol *cols, int64_t length, int64_t top_offset, int *count)
{
    tbatch *b = calloc(1, sizeof *b);
    b->count = count;
    b->kids = calloc((size_t)ncols + 1, sizeof *b->kids);
    b->ptrs = calloc((size_t)ncols + 1, sizeof *b->ptrs);
    for (int c = 0; c < ncols; c++) {
        b->kids[c] = (struct ArrowArray){.length = length + top_offset, .null_count = cols[c].null_count,
                                         .offset = cols[c].offset, .n_buffers = cols[c].nbuf,
                                         .buffers = (const void **)cols[c].bufs, .release = release_kid};
        b->ptrs[c] = &b->kids[c];
    }
    return (struct ArrowArray){.length = length, .offset = top_offset, .n_buffers = 1, .buffers = b->top,
                               .n_children = ncols, .children = b->ptrs, .release = release_batch,
                               .private_data = b};
}

typedef struct tschema {
    int *count;
    struct ArrowSchema *kids;
    struct ArrowSchema **ptrs;
} tschema;

static void release_kid_schema(struct ArrowSchema *s)
{
    s->release = NULL;
}

static void release_schema(struct ArrowSchema *s)
{
    tschema *p = s->private_data;
    for (int64_t i = 0; i < s->n_children; i++)
        p->kids[i].release(&p->kids[i]);
    (*p->count)++;
    free(p->kids);
    free(p->ptrs);
    free(p);
    s->release = NULL;
}

static struct ArrowSchema make_schema(int ncols, const tcol *cols, int *count)
{
    tschema *p = calloc(1, sizeof *p);
    p->count = count;
    p->kids = calloc((size_t)ncols + 1, sizeof *p->kids);
    p->ptrs = calloc((size_t)ncols + 1, sizeof *p->ptrs);
    for (int c = 0; c < ncols; c++) {
        p->kids[c] = (struct ArrowSchema){.format = cols[c].format, .name = cols[c].name,
                                          .flags = ARROW_FLAG_NULLABLE, .release = release_kid_schema};
        p->ptrs[c] = &p->kids[c];
    }
    return (struct ArrowSchema){.format = "+s", .name = "", .n_children = ncols, .children = p->ptrs,
                                .release = release_schema, .private_data = p};
}

/* A stream over batches made in advance; counts its own release. */
typedef struct tstream {
    int ncols;
    const tcol *cols;
    struct ArrowArray *batches;
    int n, next;
    int *count, *schema_count;
    int fail_at;              /* get_next fails here (-1: never) */
} tstream;

static int ts_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
    tstream *t = s->private_data;
    *out = make_schema(t->ncols, t->cols, t->schema_count);
    return 0;
}

static int ts_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
    tstream *t = s->private_data;
    if (t->next == t->fail_at)
        return 5;
    if (t->next == t->n) {
        out->release = NULL;
        return 0;
    }
    *out = t->batches[t->next];
    t->batches[t->next++].release = NULL;
    return 0;
}

static const char *ts_error(struct ArrowArrayStream *s)
{
    (void)s;
    return "the producer broke";
}

static void ts_release(struct ArrowArrayStream *s)
{
    tstream *t = s->private_data;
    for (int i = 0; i < t->n; i++)
        if (t->batches[i].release)
            t->batches[i].release(&t->batches[i]);
    (*t->count)++;
    free(t->batches);
    free(t);
    s->release = NULL;
}

static struct ArrowArrayStream make_stream(int ncols, const tcol *cols, struct ArrowArray *batches, int n,
                                           int *count, int *schema_count)
{
    tstream *t = calloc(1, sizeof *t);
    *t = (tstream){ncols, cols, malloc(sizeof *batches * (size_t)(n ? n : 1)), n, 0, count, schema_count, -1};
    if (n)
        memcpy(t->batches, batches, sizeof *batches * (size_t)n);
    return (struct ArrowArrayStream){.get_schema = ts_schema, .get_next = ts_next, .get_last_error = ts_error,
                                     .release = ts_release, .private_data = t};
}

/* ------------------------------------------------------------ helpers */


/* Value of column col at row `row` of output 0, read through the batch API. */
static const void *cell(const tir_result *r, size_t col, uint64_t row, bool *valid)
{
    uint32_t per = tir_result_batch_rows(r, 0, 0);
    size_t b = (size_t)(row / per);
    uint32_t i = (uint32_t)(row % per);
    const uint64_t *v = tir_result_batch_validity(r, 0, b, col);
    *valid = !v || ((v[i / 64] >> (i % 64)) & 1);
    size_t w = tir_result_col_type(r, 0, col) == TIR_STRING || tir_result_col_type(r, 0, col) == TIR_INTERVAL
                   ? 16
             : tir_result_col_type(r, 0, col) == TIR_BOOL   ? 1
             : tir_result_col_type(r, 0, col) == TIR_I32 || tir_result_col_type(r, 0, col) == TIR_DATE ? 4
                                                                                                       : 8;
    return (const char *)tir_result_batch_data(r, 0, b, col) + (size_t)i * w;
}

/* ---------------------------------------------------------------- in */

enum { N = 1000 };

Test(arrow, registers_fixed_width_columns_with_nulls)
{
    static int32_t a[N], d[N];
    static int64_t b[N];
    static double f[N];
    static uint64_t valid[(N + 63) / 64 + 1];
    int nulls = 0;
    for (int i = 0; i < N; i++) {
        a[i] = i;
        b[i] = (int64_t)i * 1000000007;
        f[i] = i / 4.0;
        d[i] = 18000 + i;
        bool ok = i % 7 != 3;
        if (ok)
            valid[i / 64] |= (uint64_t)1 << (i % 64);
        nulls += !ok;
    }
    /* 1000 rows: not whole words, so the bitmap is copied; values are read in place */
    tcol cols[] = {{"i", "a", 0, nulls, {valid, a}, 2},
                   {"l", "b", 0, 0, {NULL, b}, 2},
                   {"g", "f", 0, nulls, {valid, f}, 2},
                   {"tdD", "d", 0, 0, {NULL, d}, 2}};
    int arr = 0, sch = 0;
    struct ArrowSchema s = make_schema(4, cols, &sch);
    struct ArrowArray x = make_batch(4, cols, N, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_null(s.release, "the schema was moved");
    cr_assert_null(x.release, "the array was moved");
    cr_assert_eq(sch, 1, "the schema is released at once (names are copied)");
    cr_assert_eq(arr, 0, "the array lives while registered");
    tir_program *p = compile_ok("t: Table = registered(\"t\")\n"
                                "p: Pipeline = {\n"
                                "    s = table_scan :table = t :columns = [\"a\", \"b\", \"f\", \"d\"]\n"
                                "    g = aggregate :input = s :aggregates = { \"n\": count($in.a), \"sa\": sum($in.a),\n"
                                "        \"sb\": sum($in.b), \"sf\": sum($in.f), \"md\": max($in.d) }\n"
                                "}\noutput p.g\n");
    tir_result *r = run_ok(p);
    int64_t want_a = 0, want_b = 0;
    double want_f = 0;
    for (int i = 0; i < N; i++) {
        want_b += b[i];
        if (i % 7 != 3) {
            want_a += i;
            want_f += f[i];
        }
    }
    cr_assert_eq(*(const int64_t *)tir_result_batch_data(r, 0, 0, 0), N - nulls);
    cr_assert_eq(*(const int64_t *)tir_result_batch_data(r, 0, 0, 1), want_a);
    cr_assert_eq(*(const int64_t *)tir_result_batch_data(r, 0, 0, 2), want_b);
    cr_assert_float_eq(*(const double *)tir_result_batch_data(r, 0, 0, 3), want_f, 1e-6);
    cr_assert_eq(*(const int32_t *)tir_result_batch_data(r, 0, 0, 4), 18000 + N - 1);
    tir_result_free(r);
    /* nullability comes from the data: a has NULLs, b none */
    struct ArrowSchema os;
    tir_program *q = compile_ok("t: Table = registered(\"t\")\n"
                                "p: Pipeline = { s = table_scan :table = t :columns = [\"a\", \"b\"] }\n"
                                "output p.s\n");
    cr_assert_eq(tir_program_output_arrow_schema(q, 0, &os), TIR_OK);
    cr_assert_str_eq(os.format, "+s");
    cr_assert_eq(os.n_children, 2);
    cr_assert_str_eq(os.children[0]->name, "a");
    cr_assert_str_eq(os.children[0]->format, "i");
    cr_assert_eq(os.children[0]->flags & ARROW_FLAG_NULLABLE, ARROW_FLAG_NULLABLE);
    cr_assert_str_eq(os.children[1]->format, "l");
    cr_assert_eq(os.children[1]->flags & ARROW_FLAG_NULLABLE, 0);
    os.release(&os);
    cr_assert_null(os.release);
    cr_assert_eq(tir_engine_unregister(e, "t"), TIR_OK);
    cr_assert_eq(arr, 0, "programs compiled against it keep it");
    tir_program_free(p);
    cr_assert_eq(arr, 0);
    tir_program_free(q);
    cr_assert_eq(arr, 1, "released once, when the last holder went");
    cr_assert_eq(tir_engine_unregister(e, "t"), TIR_ERR_ARG);
}

Test(arrow, converts_offsets_bools_and_strings)
{
    /* 10 rows in the producer, each column starting at its own offset and
    ** the batch at offset 2: rows 2..9 of the batch are read */
    static const int32_t ints[16] = {0, 0, 0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    static const uint8_t ivalid[2] = {0xff, 0xf7}; /* bit 11 clear: batch row 5 + offset 3 + 2 ... */
    static const uint8_t bools[2] = {0x55, 0x02};  /* 1,0,1,0,1,0,1,0,0,1 */
    static const char *strs[10] = {"",      "a",        "twelve_bytes", "thirteen_byte", "x", "NULL",
                                   "hello", "a long string that is not inlined", "", "z"};
    static int32_t offs[11];
    static int64_t loffs[11];
    static char bytes[256];
    int at = 0;
    for (int i = 0; i < 10; i++) {
        offs[i] = loffs[i] = at;
        memcpy(bytes + at, strs[i], strlen(strs[i]));
        at += (int)strlen(strs[i]);
    }
    offs[10] = loffs[10] = at;
    static const uint8_t svalid[2] = {0xdf, 0x03};  /* row 5 ("NULL") is NULL */
    /* utf8_view: 16 bytes per row, long strings in a data buffer */
    static uint8_t views[10 * 16];
    static const int64_t sizes[1] = {256};
    for (int i = 0; i < 10; i++) {
        int32_t len = (int32_t)strlen(strs[i]);
        memset(views + i * 16, 0, 16);
        memcpy(views + i * 16, &len, 4);
        if (len <= 12) {
            memcpy(views + i * 16 + 4, strs[i], (size_t)len);
        } else {
            int32_t idx = 0, off = offs[i];
            memcpy(views + i * 16 + 4, strs[i], 4);
            memcpy(views + i * 16 + 8, &idx, 4);
            memcpy(views + i * 16 + 12, &off, 4);
        }
    }
    tcol cols[] = {{"i", "n", 1, 1, {ivalid, ints}, 2},
                   {"b", "flag", 0, 0, {NULL, bools}, 2},
                   {"u", "s", 0, 1, {svalid, offs, bytes}, 3},
                   {"U", "ls", 0, 1, {svalid, loffs, bytes}, 3},
                   {"vu", "vs", 0, 1, {svalid, views, bytes, sizes}, 4},
                   {"s", "small", 0, 0, {NULL, ints}, 2}};
    int arr = 0, sch = 0;
    struct ArrowSchema s = make_schema(6, cols, &sch);
    struct ArrowArray x = make_batch(6, cols, 8, 2, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("t: Table = registered(\"t\")\n"
                                "p: Pipeline = { v = table_scan :table = t :columns = [\"n\", \"flag\", \"s\", \"ls\", \"vs\", \"small\"] }\n"
                                "output p.v\n");
    tir_result *r = run_ok(p);
    cr_assert_eq(tir_result_nrows(r, 0), 8);
    cr_assert_eq(tir_result_col_type(r, 0, 1), TIR_BOOL);
    cr_assert_eq(tir_result_col_type(r, 0, 5), TIR_I32, "int16 widens to i32");
    for (int row = 0; row < 8; row++) {
        int src = row + 2;
        bool v;
        int32_t n = *(const int32_t *)cell(r, 0, (uint64_t)row, &v);
        /* ints are read from offset 1 + 2: bit (src + 1) of ivalid */
        bool nvalid = (ivalid[(src + 1) / 8] >> ((src + 1) % 8)) & 1;
        cr_assert_eq(v, nvalid, "row %d validity", row);
        if (v)
            cr_assert_eq(n, ints[src + 1], "row %d", row);
        uint8_t fl = *(const uint8_t *)cell(r, 1, (uint64_t)row, &v);
        cr_assert_eq(fl, (bools[src / 8] >> (src % 8)) & 1, "row %d flag", row);
        for (size_t c = 2; c <= 4; c++) {
            const tir_str *t = cell(r, c, (uint64_t)row, &v);
            cr_assert_eq(v, src != 5, "row %d col %zu validity", row, c);
            if (!v)
                continue;
            cr_assert_eq(t->len, strlen(strs[src]));
            cr_assert(!memcmp(tir_str_ptr(t), strs[src], t->len), "row %d col %zu", row, c);
        }
        cr_assert_eq(*(const int32_t *)cell(r, 5, (uint64_t)row, &v), (int16_t)((const int16_t *)ints)[src]);
    }
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
    e = NULL;
    cr_assert_eq(arr, 1);
    cr_assert_eq(sch, 1);
}

Test(arrow, stream_of_many_batches_is_read_whole)
{
    enum { NB = 40, ROWS = 2048 };
    static int64_t vals[NB][ROWS];
    static uint64_t valid[NB][ROWS / 64];
    struct ArrowArray batches[NB];
    int arr = 0, sch = 0, str = 0;
    static tcol cols[NB][1];
    int64_t want = 0, nn = 0;
    for (int b = 0; b < NB; b++) {
        for (int i = 0; i < ROWS; i++) {
            vals[b][i] = (int64_t)b * ROWS + i;
            bool ok = (b * ROWS + i) % 11 != 0;
            if (ok) {
                valid[b][i / 64] |= (uint64_t)1 << (i % 64);
                want += vals[b][i];
                nn++;
            }
        }
        /* whole words, aligned: the bitmap is used in place */
        cols[b][0] = (tcol){"l", "v", 0, -1, {valid[b], vals[b]}, 2};
        batches[b] = make_batch(1, cols[b], b == NB - 1 ? 100 : ROWS, 0, &arr);
        if (b == NB - 1)
            for (int i = 100; i < ROWS; i++)
                if ((b * ROWS + i) % 11 != 0) {
                    want -= vals[b][i];
                    nn--;
                }
    }
    struct ArrowArrayStream st = make_stream(1, cols[0], batches, NB, &str, &sch);
    cr_assert_eq(tir_engine_register_arrow_stream(e, "big", &st), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_null(st.release);
    cr_assert_eq(str, 1, "the stream is released once read");
    cr_assert_eq(sch, 1);
    tir_program *p = compile_ok("big: Table = registered(\"big\") { v: i64 nullable }\n"
                                "p: Pipeline = {\n"
                                "    s = table_scan :table = big :columns = [\"v\"]\n"
                                "    f = filter :input = s :expr = $in.v >= 0\n"
                                "    g = aggregate :input = f :aggregates = { \"n\": count($in.v), \"s\": sum($in.v) }\n"
                                "}\noutput p.g\n");
    tir_result *r = run_ok(p);
    cr_assert_eq(*(const int64_t *)tir_result_batch_data(r, 0, 0, 0), nn);
    cr_assert_eq(*(const int64_t *)tir_result_batch_data(r, 0, 0, 1), want);
    tir_result_free(r);
    tir_program_free(p);
    /* registering the name again drops the old data */
    struct ArrowArrayStream empty = make_stream(1, cols[0], NULL, 0, &str, &sch);
    cr_assert_eq(arr, 0);
    cr_assert_eq(tir_engine_register_arrow_stream(e, "big", &empty), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_eq(arr, NB, "every batch released once");
    cr_assert_eq(str, 2);
    p = compile_ok("big: Table = registered(\"big\")\n"
                   "p: Pipeline = { s = table_scan :table = big :columns = [\"v\"] }\noutput p.s\n");
    r = run_ok(p);
    cr_assert_eq(tir_result_nrows(r, 0), 0);
    tir_result_free(r);
    tir_program_free(p);
}

/* Chunks of every size (empty, a row, a host's 2048-row batches, bigger
** than a morsel): rows come out in the host's order at 2 threads. */
Test(arrow, chunks_of_every_size_keep_their_order)
{
    static const int64_t sizes[] = {0, 1, 7, 300, 2048, 0, 2048, 40000, 5, 2047, 2049, 0, 70000, 1, 2048, 0};
    enum { NB = 400 };
    static int64_t vals[NB * 4000];
    static tcol cols[NB][1];
    struct ArrowArray batches[NB];
    int arr = 0, sch = 0, str = 0;
    int64_t total = 0;
    for (int b = 0; b < NB; b++) {
        int64_t len = sizes[b % (sizeof sizes / sizeof *sizes)];
        if (total + len > (int64_t)(sizeof vals / sizeof *vals))
            len = 0;
        for (int64_t i = 0; i < len; i++)
            vals[total + i] = total + i;
        cols[b][0] = (tcol){"l", "v", 0, 0, {NULL, vals + total}, 2};
        batches[b] = make_batch(1, cols[b], len, 0, &arr);
        total += len;
    }
    cr_assert_gt(total, 4 * 32768, "several morsels: %lld rows", (long long)total);
    struct ArrowArrayStream st = make_stream(1, cols[0], batches, NB, &str, &sch);
    cr_assert_eq(tir_engine_register_arrow_stream(e, "chunks", &st), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("chunks: Table = registered(\"chunks\")\n"
                                "p: Pipeline = {\n"
                                "    s = table_scan :table = chunks :columns = [\"v\"]\n"
                                "    f = filter :input = s :expr = $in.v % 3 != 1\n"
                                "}\noutput p.f\n");
    tir_result *r = run_ok(p);
    int64_t want = 0;
    uint64_t row = 0;
    for (; want < total; want++) {
        if (want % 3 == 1)
            continue;
        cr_assert_lt(row, tir_result_nrows(r, 0), "%llu rows, the next wanted %lld", (unsigned long long)row,
                     (long long)want);
        bool ok;
        int64_t got = *(const int64_t *)cell(r, 0, row++, &ok);
        cr_assert(ok && got == want, "row %llu: %lld, want %lld", (unsigned long long)row - 1, (long long)got,
                  (long long)want);
    }
    cr_assert_eq(tir_result_nrows(r, 0), row);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_unregister(e, "chunks");
}

Test(arrow, errors_release_everything_once)
{
    static int64_t vals[64];
    /* a time zone other than UTC, decimals above 38 digits, of 256 bits, a bit width cut short */
    static const char *const bad[] = {"tsu:Asia/Tokyo", "L", "+l", "d:39,2", "d:5,2,256", "d:5,2,", "d:5,2,128x"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        tcol cols[] = {{"l", "ok", 0, 0, {NULL, vals}, 2}, {bad[k], "when", 0, 0, {NULL, vals}, 2}};
        int arr = 0, sch = 0;
        struct ArrowSchema s = make_schema(2, cols, &sch);
        struct ArrowArray x = make_batch(2, cols, 64, 0, &arr);
        cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_ERR_DATA);
        cr_assert(strstr(tir_engine_errmsg(e), "column 'when'"), "%s", tir_engine_errmsg(e));
        char fmt[32];
        snprintf(fmt, sizeof fmt, "'%s'", bad[k]);
        cr_assert(strstr(tir_engine_errmsg(e), fmt), "%s", tir_engine_errmsg(e));
        cr_assert_eq(arr, 1);
        cr_assert_eq(sch, 1);
        cr_assert_null(s.release);
        cr_assert_null(x.release);
    }
    /* a stream failing half way: batches read so far, the stream itself */
    tcol cols[] = {{"l", "v", 0, 0, {NULL, vals}, 2}};
    struct ArrowArray batches[3];
    int arr = 0, sch = 0, str = 0;
    for (int b = 0; b < 3; b++)
        batches[b] = make_batch(1, cols, 64, 0, &arr);
    struct ArrowArrayStream st = make_stream(1, cols, batches, 3, &str, &sch);
    ((tstream *)st.private_data)->fail_at = 2;
    cr_assert_eq(tir_engine_register_arrow_stream(e, "t", &st), TIR_ERR_DATA);
    cr_assert(strstr(tir_engine_errmsg(e), "the producer broke"), "%s", tir_engine_errmsg(e));
    cr_assert_eq(arr, 3);
    cr_assert_eq(str, 1);
    cr_assert_eq(sch, 1);
    /* nothing was registered */
    tir_program *p = NULL;
    const char *src = "t: Table = registered(\"t\")\np: Pipeline = { s = table_scan :table = t }\noutput p.s\n";
    cr_assert_eq(tir_compile(e, "x.tir", src, strlen(src), &p), TIR_ERR_COMPILE);
    cr_assert(strstr(tir_program_diag_text(p), "no table is registered as \"t\""), "%s", tir_program_diag_text(p));
    tir_program_free(p);
}

Test(arrow, declared_columns_must_agree)
{
    static int64_t vals[64];
    static uint64_t valid[1] = {~(uint64_t)1};
    tcol cols[] = {{"l", "v", 0, 1, {valid, vals}, 2}, {"u", "s", 0, 0, {NULL, (int32_t[65]){0}, ""}, 3}};
    int arr = 0, sch = 0;
    struct ArrowSchema s = make_schema(2, cols, &sch);
    struct ArrowArray x = make_batch(2, cols, 64, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_OK, "%s", tir_engine_errmsg(e));
    static const struct {
        const char *decl, *msg;
    } cases[] = {
        {"{ v: i32 nullable }", "column 'v' is i64 in registered table \"t\", declared i32"},
        {"{ v: i64 }", "column 'v' is nullable in registered table \"t\"; declare it nullable"},
        {"{ w: i64 }", "no column 'w' in registered table \"t\""},
        {"{ s: string asc }", "a registered table records no order or uniqueness"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char src[400];
        snprintf(src, sizeof src, "t: Table = registered(\"t\") %s\np: Pipeline = { s = table_scan :table = t }\noutput p.s\n",
                 cases[k].decl);
        tir_program *p = NULL;
        cr_assert_eq(tir_compile(e, "x.tir", src, strlen(src), &p), TIR_ERR_COMPILE, "%s", src);
        cr_assert(strstr(tir_program_diag_text(p), cases[k].msg), "%s", tir_program_diag_text(p));
        tir_program_free(p);
    }
    /* a subset, in another order, is fine */
    tir_program *p = compile_ok("t: Table = registered(\"t\") { s: string, v: i64 nullable }\n"
                                "p: Pipeline = { a = table_scan :table = t :columns = [\"v\", \"s\"] }\noutput p.a\n");
    tir_result *r = run_ok(p);
    cr_assert_eq(tir_result_nrows(r, 0), 64);
    cr_assert_eq(tir_result_col_type(r, 0, 1), TIR_STRING);
    tir_result_free(r);
    tir_program_free(p);
}

/* --------------------------------------------------------------- out */

/* Rows of every batch of a stream: checks the layout and sums columns. */
typedef struct pulled {
    uint64_t rows, nulls, trues, bytes;
    int64_t sum;
    int batches;
} pulled;

static pulled pull_all(struct ArrowArrayStream *s)
{
    pulled p = {0};
    for (;;) {
        struct ArrowArray a;
        cr_assert_eq(s->get_next(s, &a), 0);
        if (!a.release)
            break;
        p.batches++;
        cr_assert_eq(a.n_children, 3);
        const struct ArrowArray *n = a.children[0], *f = a.children[1], *t = a.children[2];
        const uint8_t *nv = n->buffers[0];
        int64_t batch_nulls = 0;
        for (int64_t i = 0; i < a.length; i++) {
            bool valid = !nv || ((nv[i / 8] >> (i % 8)) & 1);
            batch_nulls += !valid;
            if (valid)
                p.sum += ((const int64_t *)n->buffers[1])[i];
            p.trues += (((const uint8_t *)f->buffers[1])[i / 8] >> (i % 8)) & 1;
            const int32_t *o = t->buffers[1];
            p.bytes += (uint64_t)(o[i + 1] - o[i]);
        }
        cr_assert_eq(n->null_count, batch_nulls);
        p.nulls += (uint64_t)batch_nulls;
        p.rows += (uint64_t)a.length;
        a.release(&a);
        cr_assert_null(a.release);
    }
    return p;
}

Test(arrow, result_stream_outlives_the_result)
{
    enum { ROWS = 5000 };
    static int64_t vals[ROWS];
    static uint64_t valid[(ROWS + 63) / 64];
    static uint8_t flags[(ROWS + 7) / 8];
    static int32_t offs[ROWS + 1];
    static char bytes[ROWS * 20];
    int at = 0;
    int64_t want = 0;
    uint64_t nulls = 0, trues = 0;
    for (int i = 0; i < ROWS; i++) {
        vals[i] = i * 3;
        if (i % 5) {
            valid[i / 64] |= (uint64_t)1 << (i % 64);
            want += i * 3;
        } else {
            nulls++;
        }
        if (i % 3 == 0) {
            flags[i / 8] |= (uint8_t)(1 << (i % 8));
            trues++;
        }
        offs[i] = at;
        at += snprintf(bytes + at, 20, i % 2 ? "s%d" : "a longer string %d", i);
    }
    offs[ROWS] = at;
    tcol cols[] = {{"l", "n", 0, (int64_t)nulls, {valid, vals}, 2},
                   {"b", "f", 0, 0, {NULL, flags}, 2},
                   {"u", "t", 0, 0, {NULL, offs, bytes}, 3}};
    int arr = 0, sch = 0;
    struct ArrowSchema s = make_schema(3, cols, &sch);
    struct ArrowArray x = make_batch(3, cols, ROWS, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("t: Table = registered(\"t\")\n"
                                "p: Pipeline = { v = table_scan :table = t :columns = [\"n\", \"f\", \"t\"] }\n"
                                "output p.v as everything\n");
    cr_assert_eq(tir_program_noutputs(p), 1);
    cr_assert_str_eq(tir_program_output_name(p, 0), "everything");
    tir_result *r = run_ok(p);
    struct ArrowArrayStream out;
    cr_assert_eq(tir_result_arrow_stream(r, 0, &out), TIR_OK);
    cr_assert_eq(tir_result_nrows(r, 0), 0, "the rows moved to the stream");
    tir_result_free(r);
    tir_program_free(p);
    cr_assert_eq(tir_engine_unregister(e, "t"), TIR_OK);
    cr_assert_eq(arr, 1, "the stream holds copies, not the input");
    struct ArrowSchema os;
    cr_assert_eq(out.get_schema(&out, &os), 0);
    cr_assert_str_eq(os.children[0]->format, "l");
    cr_assert_str_eq(os.children[1]->format, "b");
    cr_assert_str_eq(os.children[2]->format, "u");
    cr_assert_str_eq(os.children[2]->name, "t");
    os.release(&os);
    /* arrays kept after the stream is gone stay valid */
    struct ArrowArray first;
    cr_assert_eq(out.get_next(&out, &first), 0);
    cr_assert_eq(first.length, 256);
    pulled got = pull_all(&out);
    out.release(&out);
    cr_assert_null(out.release);
    cr_assert_eq(got.rows + 256, ROWS);
    cr_assert_eq(got.batches, (ROWS + 255) / 256 - 1);
    const int32_t *o = first.children[2]->buffers[1];
    cr_assert_eq(o[1] - o[0], (int32_t)strlen("a longer string 0"));
    cr_assert(!memcmp((const char *)first.children[2]->buffers[2], "a longer string 0s1", 19));
    first.release(&first);
}

Test(arrow, round_trip_through_a_stream)
{
    const char *csv = "/tmp/tir_arrow_rt.csv";
    FILE *f = fopen(csv, "w");
    cr_assert_not_null(f);
    fputs("k,x,s,d,b\n", f);
    for (int i = 0; i < 3000; i++)
        fprintf(f, "%d,%s,%s,2020-01-%02d,%s\n", i, i % 4 ? "1.5" : "", i % 3 ? "short" : "a string of some length",
                1 + i % 28, i % 2 ? "true" : "false");
    fclose(f);
    tir_program *p = compile_ok("c: Table = read_csv(\"/tmp/tir_arrow_rt.csv\") { k: i32, x: f64 nullable, s: string, d: date, b: bool }\n"
                                "p: Pipeline = { v = table_scan :table = c }\noutput p.v\n");
    tir_result *r = run_ok(p);
    struct ArrowArrayStream out;
    cr_assert_eq(tir_result_arrow_stream(r, 0, &out), TIR_OK);
    tir_result_free(r);
    cr_assert_eq(tir_engine_register_arrow_stream(e, "back", &out), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_null(out.release);
    const char *agg = "    g = aggregate :input = s :aggregates = { \"n\": count($in.x), \"sk\": sum($in.k), \"sx\": sum($in.x),\n"
                      "        \"long\": sum(case when length($in.s) > 5 then 1 else 0 end), \"md\": max($in.d),\n"
                      "        \"nb\": sum(case when $in.b then 1 else 0 end) }\n"
                      "}\noutput p.g\n";
    char a[1024], b[1024];
    snprintf(a, sizeof a, "c: Table = read_csv(\"/tmp/tir_arrow_rt.csv\") { k: i32, x: f64 nullable, s: string, d: date, b: bool }\n"
                          "p: Pipeline = {\n    s = table_scan :table = c\n%s", agg);
    snprintf(b, sizeof b, "back: Table = registered(\"back\")\np: Pipeline = {\n    s = table_scan :table = back\n%s", agg);
    tir_program *pa = compile_ok(a), *pb = compile_ok(b);
    tir_result *ra = run_ok(pa), *rb = run_ok(pb);
    for (size_t c = 0; c < tir_result_ncols(ra, 0); c++) {
        cr_assert_eq(tir_result_col_type(ra, 0, c), tir_result_col_type(rb, 0, c));
        cr_assert(!memcmp(tir_result_batch_data(ra, 0, 0, c), tir_result_batch_data(rb, 0, 0, c),
                          tir_result_col_type(ra, 0, c) == TIR_DATE ? 4 : 8), "column %zu differs", c);
    }
    tir_result_free(ra);
    tir_result_free(rb);
    tir_program_free(pa);
    tir_program_free(pb);
    tir_program_free(p);
    remove(csv);
}

Test(arrow, union_of_registered_tables_and_explain)
{
    static int64_t vals[3][300];
    static int32_t small[100];
    struct ArrowArray batches[3];
    static tcol cols[3][1];
    int arr = 0, sch = 0, str = 0;
    int64_t want = 0;
    for (int b = 0; b < 3; b++) {
        for (int i = 0; i < 300; i++)
            want += vals[b][i] = b * 1000 + i;
        cols[b][0] = (tcol){"l", "v", 0, 0, {NULL, vals[b]}, 2};
        batches[b] = make_batch(1, cols[b], 300, 0, &arr);
    }
    struct ArrowArrayStream st = make_stream(1, cols[0], batches, 3, &str, &sch);
    cr_assert_eq(tir_engine_register_arrow_stream(e, "a", &st), TIR_OK, "%s", tir_engine_errmsg(e));
    for (int i = 0; i < 100; i++)
        want += small[i] = -i;
    tcol c2[] = {{"i", "w", 0, 0, {NULL, small}, 2}};
    struct ArrowSchema s2 = make_schema(1, c2, &sch);
    struct ArrowArray a2 = make_batch(1, c2, 100, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "b", &s2, &a2), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("a: Table = registered(\"a\")\nb: Table = registered(\"b\")\n"
                                "p: Pipeline = {\n"
                                "    u = union_all :inputs = [a, b]\n"
                                "    g = aggregate :input = u :aggregates = { \"n\": count(*), \"s\": sum($in.v) }\n"
                                "}\noutput p.g\n");
    cr_assert(strstr(tir_program_explain(p), "a: Table = registered(\"a\") {v: i64}"), "%s", tir_program_explain(p));
    tir_result *r = run_ok(p);
    cr_assert_eq(*(const int64_t *)tir_result_batch_data(r, 0, 0, 0), 1000);
    cr_assert_eq(*(const int64_t *)tir_result_batch_data(r, 0, 0, 1), want);
    tir_result_free(r);
    tir_program_free(p);
}

/* ------------------------------------------------------------ live out */

enum { LB = 200, LROWS = 2048 };

/* Registers "big": LB batches of LROWS rows, v = 0.. ascending, s a long
** string every 7th row (else short). */
static void register_big(void)
{
    static int64_t vals[LB][LROWS];
    static int32_t offs[LB][LROWS + 1];
    static char bytes[LB][LROWS * 24];
    static tcol cols[LB][2];
    static int arr, sch, str;
    struct ArrowArray *batches = malloc(sizeof *batches * LB);
    for (int b = 0; b < LB; b++) {
        int at = 0;
        for (int i = 0; i < LROWS; i++) {
            int64_t v = (int64_t)b * LROWS + i;
            vals[b][i] = v;
            offs[b][i] = at;
            at += snprintf(bytes[b] + at, 24, v % 7 ? "s%d" : "a long string %07d", (int)(v % 10000000));
        }
        offs[b][LROWS] = at;
        cols[b][0] = (tcol){"l", "v", 0, 0, {NULL, vals[b]}, 2};
        cols[b][1] = (tcol){"u", "s", 0, 0, {NULL, offs[b], bytes[b]}, 3};
        batches[b] = make_batch(2, cols[b], LROWS, 0, &arr);
    }
    struct ArrowArrayStream st = make_stream(2, cols[0], batches, LB, &str, &sch);
    free(batches);
    cr_assert_eq(tir_engine_register_arrow_stream(e, "big", &st), TIR_OK, "%s", tir_engine_errmsg(e));
}

static const char live_prog[] = "big: Table = registered(\"big\")\n"
                                "p: Pipeline = {\n"
                                "    s = table_scan :table = big\n"
                                "    f = filter :input = s :expr = $in.v % 3 != 0\n"
                                "    x = project :input = f :columns = { \"v\": $in.v, \"w\": $in.v * 2, \"s\": $in.s }\n"
                                "}\noutput p.x\n";

Test(arrow, live_stream_hands_rows_over_in_order)
{
    tir_engine_free(e);
    /* the output (270k rows, about 9 MB) does not fit the limit; the input is the host's */
    tir_config cfg = {.threads = 2, .batch_size = 256, .memory_limit = 4 << 20};
    e = tir_engine_new(&cfg);
    register_big();
    tir_program *p = compile_ok(live_prog);
    tir_result *r = NULL;
    cr_assert_eq(tir_run(p, &r), TIR_ERR_NOMEM, "materialized, the output breaks the limit");
    struct ArrowArrayStream s;
    cr_assert_eq(tir_run_arrow_stream(p, 0, &s), TIR_OK);
    struct ArrowSchema sch;
    cr_assert_eq(s.get_schema(&s, &sch), 0);
    cr_assert_eq(sch.n_children, 3);
    cr_assert_str_eq(sch.children[2]->format, "u");
    sch.release(&sch);
    int64_t expect = 0, rows = 0;
    int arrays = 0;
    for (;;) {
        struct ArrowArray a;
        int rc = s.get_next(&s, &a);
        cr_assert_eq(rc, 0, "%s", s.get_last_error(&s));
        if (!a.release)
            break;
        arrays++;
        const int64_t *v = a.children[0]->buffers[1], *w = a.children[1]->buffers[1];
        const int32_t *o = a.children[2]->buffers[1];
        const char *b = a.children[2]->buffers[2];
        for (int64_t i = 0; i < a.length; i++) {
            while (expect % 3 == 0)
                expect++;
            cr_assert_eq(v[i], expect, "rows in order");
            cr_assert_eq(w[i], 2 * expect);
            char want[24];
            int n = snprintf(want, sizeof want, expect % 7 ? "s%d" : "a long string %07d", (int)(expect % 10000000));
            cr_assert(o[i + 1] - o[i] == n && !memcmp(b + o[i], want, (size_t)n), "row %lld", (long long)expect);
            expect++;
            rows++;
        }
        a.release(&a);
    }
    cr_assert_eq(rows, (int64_t)LB * LROWS - ((int64_t)LB * LROWS + 2) / 3);
    cr_assert_gt(arrays, 100, "handed over in pieces");
    s.release(&s);
    cr_assert_null(s.release);
    tir_program_free(p);
}

Test(arrow, live_stream_release_stops_the_run)
{
    register_big();
    tir_program *p = compile_ok(live_prog);
    for (int k = 0; k < 3; k++) {
        struct ArrowArrayStream s;
        cr_assert_eq(tir_run_arrow_stream(p, 0, &s), TIR_OK);
        for (int i = 0; i < k; i++) {
            struct ArrowArray a;
            cr_assert_eq(s.get_next(&s, &a), 0);
            cr_assert_not_null(a.release);
            a.release(&a);
        }
        s.release(&s);   /* the run stops; its thread is gone when this returns */
    }
    /* the program and the engine run on as before */
    tir_result *r = run_ok(p);
    cr_assert_eq(tir_result_nrows(r, 0), (uint64_t)LB * LROWS - ((uint64_t)LB * LROWS + 2) / 3);
    tir_result_free(r);
    tir_program_free(p);
}

Test(arrow, live_stream_reports_run_errors_and_sinks)
{
    register_big();
    tir_program *p = compile_ok("big: Table = registered(\"big\")\n"
                                "p: Pipeline = {\n"
                                "    s = table_scan :table = big\n"
                                "    x = project :input = s :columns = { \"v\": 1000000000000000 * $in.v }\n"
                                "}\noutput p.x\n");
    struct ArrowArrayStream s;
    cr_assert_eq(tir_run_arrow_stream(p, 0, &s), TIR_OK);
    int rc;
    int64_t rows = 0;
    for (;;) {
        struct ArrowArray a;
        if ((rc = s.get_next(&s, &a)) || !a.release)
            break;
        rows += a.length;
        a.release(&a);
    }
    cr_assert_eq(rc, EIO);
    cr_assert(strstr(s.get_last_error(&s), "integer overflow"), "%s", s.get_last_error(&s));
    /* 1e15 * v overflows from v = 9224, in the 37th batch of 256 rows: the 36 before were handed over */
    cr_assert_eq(rows, 36 * 256, "the rows made before the failing batch, no more");
    s.release(&s);
    tir_program_free(p);
    /* an aggregate's output arrives whole at the end */
    p = compile_ok("big: Table = registered(\"big\")\n"
                   "p: Pipeline = { s = table_scan :table = big\n"
                   "    g = aggregate :input = s :aggregates = { \"n\": count(*), \"m\": max($in.v) } }\noutput p.g\n");
    cr_assert_eq(tir_run_arrow_stream(p, 0, &s), TIR_OK);
    struct ArrowArray a;
    cr_assert_eq(s.get_next(&s, &a), 0);
    cr_assert_eq(a.length, 1);
    cr_assert_eq(((const int64_t *)a.children[0]->buffers[1])[0], (int64_t)LB * LROWS);
    cr_assert_eq(((const int64_t *)a.children[1]->buffers[1])[0], (int64_t)LB * LROWS - 1);
    a.release(&a);
    cr_assert_eq(s.get_next(&s, &a), 0);
    cr_assert_null(a.release, "then the end");
    s.release(&s);
    tir_program_free(p);
}

/* Reads s to its end; the rows it handed over (the test fails on an error). */
static int64_t drain_rows(struct ArrowArrayStream *s)
{
    int64_t rows = 0;
    for (;;) {
        struct ArrowArray a;
        cr_assert_eq(s->get_next(s, &a), 0, "%s", s->get_last_error(s));
        if (!a.release)
            return rows;
        rows += a.length;
        a.release(&a);
    }
}

/* A group-by's output larger than the limit: materialized it fails, and
** through the live stream a group-by that spilled hands over each
** partition as it is merged (one array each, so more than one), every
** group once with its aggregates; at 1 and 2 threads. */
Test(arrow, live_stream_hands_a_spilled_group_by_over_partition_by_partition)
{
    for (int threads = 1; threads <= 2; threads++) {
        tir_engine_free(e);
        /* 409,600 groups of 4 columns, about 15 MB of result, against 6 MiB */
        tir_config cfg = {.threads = threads, .batch_size = 1024, .memory_limit = 6 << 20};
        e = tir_engine_new(&cfg);
        register_big();
        tir_program *p = compile_ok("big: Table = registered(\"big\")\n"
                                    "p: Pipeline = { s = table_scan :table = big\n"
                                    "    g = hash_group_by :input = s :group_by = [\"v\"] :aggregates = {\n"
                                    "        \"n\": count(*), \"t\": sum($in.v * 3), \"m\": min($in.s) } }\n"
                                    "output p.g\n");
        tir_result *r = NULL;
        cr_assert_eq(tir_run(p, &r), TIR_ERR_NOMEM, "materialized, the output breaks the limit");
        cr_assert(strstr(tir_program_errmsg(p), "its result alone"), "%s", tir_program_errmsg(p));
        struct ArrowArrayStream s;
        cr_assert_eq(tir_run_arrow_stream(p, 0, &s), TIR_OK);
        uint8_t *seen = calloc(LB * LROWS, 1);
        int64_t rows = 0;
        int arrays = 0;
        for (;;) {
            struct ArrowArray a;
            cr_assert_eq(s.get_next(&s, &a), 0, "%s", s.get_last_error(&s));
            if (!a.release)
                break;
            arrays += a.length > 0;
            const int64_t *v = a.children[0]->buffers[1], *n = a.children[1]->buffers[1],
                          *t = a.children[2]->buffers[1];
            const int32_t *o = a.children[3]->buffers[1];
            const char *b = a.children[3]->buffers[2];
            for (int64_t i = 0; i < a.length; i++) {
                cr_assert(v[i] >= 0 && v[i] < LB * LROWS && !seen[v[i]], "group %lld once", (long long)v[i]);
                seen[v[i]] = 1;
                cr_assert_eq(n[i], 1);
                cr_assert_eq(t[i], 3 * v[i]);
                char want[24];
                int len = snprintf(want, sizeof want, v[i] % 7 ? "s%d" : "a long string %07d", (int)(v[i] % 10000000));
                cr_assert(o[i + 1] - o[i] == len && !memcmp(b + o[i], want, (size_t)len), "group %lld", (long long)v[i]);
                rows++;
            }
            a.release(&a);
        }
        cr_assert_eq(rows, (int64_t)LB * LROWS, "every group");
        cr_assert_geq(arrays, 8, "handed over partition by partition (%d arrays)", arrays);
        free(seen);
        s.release(&s);
        /* released after two partitions: the merge stops, its files go, the program runs again */
        cr_assert_eq(tir_run_arrow_stream(p, 0, &s), TIR_OK);
        for (int k = 0; k < 2; k++) {
            struct ArrowArray a;
            cr_assert_eq(s.get_next(&s, &a), 0, "%s", s.get_last_error(&s));
            cr_assert_not_null(a.release);
            a.release(&a);
        }
        s.release(&s);
        cr_assert_eq(tir_run_arrow_stream(p, 0, &s), TIR_OK);
        cr_assert_eq(drain_rows(&s), (int64_t)LB * LROWS);
        s.release(&s);
        tir_program_free(p);
    }
}


/* Issue 11: freeing the program (and the engine) while its live stream is
** open was a use-after-free in the run's thread. The stream holds both:
** it runs to its end and their memory goes with the stream (ASan checks
** nothing is read after it is freed, and nothing leaks). */
Test(arrow, live_stream_outlives_program_and_engine_free)
{
    const int64_t want = (int64_t)LB * LROWS - ((int64_t)LB * LROWS + 2) / 3;
    for (int k = 0; k < 4; k++) {
        if (!e) {
            tir_config cfg = {.threads = 2, .batch_size = 256};
            e = tir_engine_new(&cfg);
        }
        register_big();
        tir_program *p = compile_ok(live_prog);
        struct ArrowArrayStream s;
        cr_assert_eq(tir_run_arrow_stream(p, 0, &s), TIR_OK);
        struct ArrowArray a;
        cr_assert_eq(s.get_next(&s, &a), 0);
        cr_assert_not_null(a.release);
        int64_t rows = a.length;
        a.release(&a);
        tir_program_free(p);   /* the run goes on: the stream holds p */
        if (k & 1) {           /* and the engine too */
            tir_engine_free(e);
            e = NULL;
        }
        if (k < 2)
            cr_assert_eq(rows + drain_rows(&s), want, "every row, after the frees");
        s.release(&s);         /* k >= 2: released early, the run still waiting to hand rows over */
        cr_assert_null(s.release);
    }
}

/* Arrow decimal128 "d:P,S" with P <= 18 is read as tir's decimal(P, S): the
** low half of each little-endian 128-bit value; a value with more digits
** than P is an error naming the column (precisions above 18: see
** errors_release_everything_once). */
Test(arrow, decimal128_in)
{
    static int64_t vals[2 * 4] = {1250, 0, -5, -1, 0, 0, 99999, 0};   /* 12.50, -0.05, NULL, 999.99 */
    static const uint8_t valid[1] = {0x0b};
    tcol cols[] = {{"d:5,2", "price", 0, 1, {valid, vals}, 2}};
    int arr = 0, sch = 0;
    struct ArrowSchema s = make_schema(1, cols, &sch);
    struct ArrowArray x = make_batch(1, cols, 4, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("t: Table = registered(\"t\")\n"
                                "p: Pipeline = { v = table_scan :table = t :columns = [\"price\"]\n"
                                "  a = aggregate :input = v :aggregates = { \"s\": sum($in.price), \"m\": max($in.price) } }\n"
                                "output p.a\n");
    tir_result *r = run_ok(p);
    int prec = 0, scale = 0;
    cr_assert(tir_result_col_decimal(r, 0, 0, &prec, &scale));
    cr_expect_eq(prec, 18);
    cr_expect_eq(scale, 2);
    cr_assert(tir_result_col_decimal(r, 0, 1, &prec, &scale));
    cr_expect_eq(prec, 5);
    bool v;
    cr_expect_eq(*(const int64_t *)cell(r, 0, 0, &v), 1250 - 5 + 99999);
    cr_expect_eq(*(const int64_t *)cell(r, 1, 0, &v), 99999);
    tir_result_free(r);
    tir_program_free(p);
    /* a declaration must have the data's scale and at least its digits */
    static const struct {
        const char *decl;
        bool ok;
    } decls[] = {{"decimal(5,2)", true}, {"decimal(18,2)", true}, {"decimal(4,2)", false}, {"decimal(6,3)", false},
                 {"decimal(5,1)", false}, {"i64", false}};
    for (size_t k = 0; k < sizeof decls / sizeof *decls; k++) {
        char src[300];
        snprintf(src, sizeof src, "t: Table = registered(\"t\") { price: %s nullable }\n"
                 "p: Pipeline = { v = table_scan :table = t }\noutput p.v\n", decls[k].decl);
        tir_program *q = NULL;
        tir_status st = tir_compile(e, "x.tir", src, strlen(src), &q);
        cr_expect_eq(st, decls[k].ok ? TIR_OK : TIR_ERR_COMPILE, "%s: %s", decls[k].decl, tir_program_diag_text(q));
        if (!decls[k].ok)
            cr_expect(strstr(tir_program_diag_text(q), "column 'price' is decimal(5,2) in registered table \"t\""),
                      "%s", tir_program_diag_text(q));
        tir_program_free(q);
    }

    /* the bit width may be written: "d:P,S,128" (as DuckDB writes it) */
    tcol w128[] = {{"d:5,2,128", "price", 0, 1, {valid, vals}, 2}};
    s = make_schema(1, w128, &sch);
    x = make_batch(1, w128, 4, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "w", &s, &x), TIR_OK, "%s", tir_engine_errmsg(e));
    p = compile_ok("w: Table = registered(\"w\") { price: decimal(5,2) nullable }\n"
                   "p: Pipeline = { v = table_scan :table = w\n"
                   "  a = aggregate :input = v :aggregates = { \"s\": sum($in.price) } }\noutput p.a\n");
    r = run_ok(p);
    cr_expect_eq(*(const int64_t *)cell(r, 0, 0, &v), 1250 - 5 + 99999);
    tir_result_free(r);
    tir_program_free(p);

    static int64_t big[2] = {0, 1};   /* 2^64: more than 5 digits */
    tcol bad[] = {{"d:5,2", "price", 0, 0, {NULL, big}, 2}};
    s = make_schema(1, bad, &sch);
    x = make_batch(1, bad, 1, 0, &arr);
    cr_expect_eq(tir_engine_register_arrow(e, "u", &s, &x), TIR_ERR_DATA);
    cr_expect(strstr(tir_engine_errmsg(e), "column 'price' (d:5,2) has a value of more than 5 digits"), "%s",
              tir_engine_errmsg(e));
}

/* ------------------------------------------------------- decimals out */

/* A decimal128 cell: the 16 little-endian bytes must be the i64 sign-extended. */
static int64_t dec128(const struct ArrowArray *a, int64_t i)
{
    const int64_t *v = (const int64_t *)a->buffers[1] + 2 * (a->offset + i);
    cr_assert_eq(v[1], v[0] < 0 ? -1 : 0, "row %lld: high half %lld for low %lld", (long long)i, (long long)v[1],
                 (long long)v[0]);
    return v[0];
}

/* The decimal(p, s) program over "big": d = (37 v - 200000) + 0.25 at
** scale 2, NULL every 11th row; an aggregate of it. */
static const char dec_prog[] = "big: Table = registered(\"big\")\n"
                               "p: Pipeline = {\n"
                               "    s = table_scan :table = big\n"
                               "    x = project :input = s :columns = { \"v\": $in.v, \"d\": case when $in.v % 11 != 0 "
                               "then cast($in.v * 37 - 200000 as decimal(12,0)) + 0.25 end }\n"
                               "    a = aggregate :input = x :aggregates = { \"s\": sum($in.d), \"m\": min($in.d) }\n"
                               "}\noutput p.x\noutput p.a\n";

static int64_t dec_want(int64_t v)
{
    return (v * 37 - 200000) * 100 + 25;
}

/* Reads a stream of (v i64, d decimal) batches; checks every value and the
** schema, returns the rows. */
static int64_t check_dec_stream(struct ArrowArrayStream *st, const char *want_format)
{
    struct ArrowSchema sc;
    cr_assert_eq(st->get_schema(st, &sc), 0);
    cr_assert_eq(sc.n_children, 2);
    cr_expect_str_eq(sc.children[1]->format, want_format);
    cr_expect_str_eq(sc.children[1]->name, "d");
    cr_expect(sc.children[1]->flags & ARROW_FLAG_NULLABLE);
    sc.release(&sc);
    cr_assert_null(sc.release);
    int64_t rows = 0;
    for (;;) {
        struct ArrowArray a;
        cr_assert_eq(st->get_next(st, &a), 0, "%s", st->get_last_error(st));
        if (!a.release)
            break;
        const struct ArrowArray *v = a.children[0], *d = a.children[1];
        cr_assert_eq(d->n_buffers, 2);
        const uint8_t *valid = d->buffers[0];
        int64_t nulls = 0;
        for (int64_t i = 0; i < a.length; i++) {
            int64_t k = ((const int64_t *)v->buffers[1])[i];
            bool ok = !valid || ((valid[i / 8] >> (i % 8)) & 1);
            cr_assert_eq(ok, k % 11 != 0, "row %lld", (long long)k);
            nulls += !ok;
            if (ok)
                cr_assert_eq(dec128(d, i), dec_want(k), "row %lld", (long long)k);
        }
        cr_assert_eq(d->null_count, nulls);
        rows += a.length;
        a.release(&a);
    }
    return rows;
}

/* decimal(p, s) leaves as decimal128 "d:P,S" from every export path: the
** output schema after compile, a finished result's stream and the live
** stream; negative values sign-extend, NULLs have validity bits. */
Test(arrow, decimal128_out)
{
    register_big();
    tir_program *p = compile_ok(dec_prog);
    struct ArrowSchema os;
    cr_assert_eq(tir_program_output_arrow_schema(p, 0, &os), TIR_OK);
    cr_expect_str_eq(os.children[0]->format, "l");
    cr_expect_str_eq(os.children[1]->format, "d:15,2");   /* decimal(12,0) + decimal(3,2): max(12, 1) + 2 + 1 digits */
    os.release(&os);
    cr_assert_eq(tir_program_output_arrow_schema(p, 1, &os), TIR_OK);
    cr_expect_str_eq(os.children[0]->format, "d:18,2");
    cr_expect_str_eq(os.children[1]->format, "d:15,2");
    cr_expect_str_eq(os.children[1]->name, "m");
    os.release(&os);

    tir_result *r = run_ok(p);
    int prec, scale;
    cr_assert(tir_result_col_decimal(r, 0, 1, &prec, &scale));
    cr_assert_eq(prec, 15);
    cr_assert_eq(scale, 2);
    struct ArrowArrayStream st;
    cr_assert_eq(tir_result_arrow_stream(r, 0, &st), TIR_OK);
    struct ArrowArrayStream agg;
    cr_assert_eq(tir_result_arrow_stream(r, 1, &agg), TIR_OK);
    tir_result_free(r);   /* the streams outlive it */
    cr_assert_eq(check_dec_stream(&st, "d:15,2"), (int64_t)LB * LROWS);
    st.release(&st);
    struct ArrowArray a;
    cr_assert_eq(agg.get_next(&agg, &a), 0);
    int64_t sum = 0;
    for (int64_t v = 0; v < (int64_t)LB * LROWS; v++)
        if (v % 11)
            sum += dec_want(v);
    cr_expect_eq(dec128(a.children[0], 0), sum);
    cr_expect_eq(dec128(a.children[1], 0), dec_want(1));
    cr_expect_lt(dec128(a.children[1], 0), 0);
    a.release(&a);
    agg.release(&agg);

    cr_assert_eq(tir_run_arrow_stream(p, 0, &st), TIR_OK);
    cr_assert_eq(check_dec_stream(&st, "d:15,2"), (int64_t)LB * LROWS);
    st.release(&st);
    tir_program_free(p);
}

/* A decimal output streamed out registers again as the same decimal(p, s). */
Test(arrow, decimal128_round_trip)
{
    register_big();
    tir_program *p = compile_ok(dec_prog);
    tir_result *r = run_ok(p);
    struct ArrowArrayStream st;
    cr_assert_eq(tir_result_arrow_stream(r, 0, &st), TIR_OK);
    cr_assert_eq(tir_engine_register_arrow_stream(e, "back", &st), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_result_free(r);
    tir_program *q = compile_ok("back: Table = registered(\"back\") { d: decimal(15,2) nullable }\n"
                                "p: Pipeline = { s = table_scan :table = back\n"
                                "    a = aggregate :input = s :aggregates = { \"s\": sum($in.d), \"n\": count($in.d) } }\n"
                                "output p.a\n");
    r = run_ok(q);
    int64_t sum = 0, n = 0;
    for (int64_t v = 0; v < (int64_t)LB * LROWS; v++)
        if (v % 11) {
            sum += dec_want(v);
            n++;
        }
    bool valid;
    cr_expect_eq(*(const int64_t *)cell(r, 0, 0, &valid), sum);
    cr_expect_eq(*(const int64_t *)cell(r, 1, 0, &valid), n);
    tir_result_free(r);
    tir_program_free(q);
    tir_program_free(p);
}

/* Arrow timestamps in microseconds without a time zone or in UTC ("tsu:",
** "tsu:UTC") are read as tir's timestamp and written back as "tsu:"; another
** time zone is refused naming the column and the zone. */
Test(arrow, timestamp_in_and_out)
{
    /* 2024-02-29 23:59:59.5, NULL, 1969-12-31 23:59:59.999999, 0001-01-01 */
    static int64_t ts[4] = {1709251199500000, 0, -1, -62135596800000000};
    static int64_t utc[4] = {0, 1, 2, 3};
    static const uint8_t valid[1] = {0x0d};
    tcol cols[] = {{"tsu:", "ts", 0, 1, {valid, ts}, 2}, {"tsu:UTC", "u", 0, 0, {NULL, utc}, 2}};
    int arr = 0, sch = 0;
    struct ArrowSchema s = make_schema(2, cols, &sch);
    struct ArrowArray x = make_batch(2, cols, 4, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("t: Table = registered(\"t\")\n"
                                "p: Pipeline = { s = table_scan :table = t :columns = [\"ts\", \"u\"]\n"
                                "  v = project :input = s :columns = { \"next\": $in.ts + interval \"1 year\", \"u\": $in.u,\n"
                                "      \"y\": year($in.ts) } }\n"
                                "output p.v\n");
    tir_result *r = run_ok(p);
    cr_assert_eq(tir_result_col_type(r, 0, 0), TIR_TIMESTAMP);
    cr_assert_eq(tir_result_col_type(r, 0, 1), TIR_TIMESTAMP);
    bool v;
    char buf[32];
    tir_timestamp_format(*(const int64_t *)cell(r, 0, 0, &v), buf);
    cr_expect_str_eq(buf, "2025-02-28 23:59:59.5", "a leap day plus a year is clamped to Feb 28");
    cell(r, 0, 1, &v);
    cr_expect_not(v, "NULL stays NULL");
    tir_timestamp_format(*(const int64_t *)cell(r, 0, 2, &v), buf);
    cr_expect_str_eq(buf, "1970-12-31 23:59:59.999999");
    cr_expect_eq(*(const int32_t *)cell(r, 2, 3, &v), 1);
    struct ArrowArrayStream st;
    cr_assert_eq(tir_result_arrow_stream(r, 0, &st), TIR_OK);
    struct ArrowSchema os;
    cr_assert_eq(st.get_schema(&st, &os), 0);
    cr_expect_str_eq(os.children[0]->format, "tsu:");
    cr_expect_str_eq(os.children[2]->format, "i");
    os.release(&os);
    st.release(&st);
    cr_assert_eq(tir_program_output_arrow_schema(p, 0, &os), TIR_OK);
    cr_expect_str_eq(os.children[1]->format, "tsu:");
    os.release(&os);
    tir_result_free(r);
    tir_program_free(p);

    tcol paris[] = {{"tsu:Europe/Paris", "when", 0, 0, {NULL, utc}, 2}};
    s = make_schema(1, paris, &sch);
    x = make_batch(1, paris, 4, 0, &arr);
    cr_expect_eq(tir_engine_register_arrow(e, "p", &s, &x), TIR_ERR_DATA);
    cr_expect(strstr(tir_engine_errmsg(e), "column 'when' has Arrow type 'tsu:Europe/Paris', timestamps in time zone Europe/Paris"), "%s",
              tir_engine_errmsg(e));
}

/* Intervals: month_day_nano in (the nanoseconds toward zero to
** microseconds), computed with, and out again as month_day_nano (the
** microseconds times 1000; NULL rows zero); a value whose nanoseconds do
** not fit an i64 fails the batch naming the row. */
Test(arrow, interval_in_and_out)
{
    /* 1 year 2 months 3 days 04:05:06.5 and 999 ns, NULL, -1 day -1999 ns */
    static tir_interval iv[3] = {{14, 3, INT64_C(14706500000999)}, {7, 7, 7}, {0, -1, -1999}};
    static const uint8_t valid[1] = {0x05};
    tcol cols[] = {{"tin", "iv", 0, 1, {valid, iv}, 2}};
    int arr = 0, sch = 0;
    struct ArrowSchema s = make_schema(1, cols, &sch);
    struct ArrowArray x = make_batch(1, cols, 3, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("t: Table = registered(\"t\")\n"
                                "p: Pipeline = { s = table_scan :table = t :columns = [\"iv\"]\n"
                                "  v = project :input = s :columns = { \"iv\": $in.iv, \"next\": $in.iv + interval \"1 month\" } }\n"
                                "output p.v\n");
    tir_result *r = run_ok(p);
    cr_assert_eq(tir_result_col_type(r, 0, 0), TIR_INTERVAL);
    bool v;
    char buf[80];
    tir_interval_format(*(const tir_interval *)cell(r, 1, 0, &v), buf);
    cr_expect_str_eq(buf, "1 year 3 months 3 days 04:05:06.5", "the 999 ns dropped");
    cell(r, 0, 1, &v);
    cr_expect_not(v, "NULL stays NULL");
    tir_interval_format(*(const tir_interval *)cell(r, 0, 2, &v), buf);
    cr_expect_str_eq(buf, "-1 day -00:00:00.000001", "nanoseconds toward zero");
    struct ArrowArrayStream st;
    cr_assert_eq(tir_result_arrow_stream(r, 0, &st), TIR_OK);
    struct ArrowSchema os;
    cr_assert_eq(st.get_schema(&st, &os), 0);
    cr_expect_str_eq(os.children[0]->format, "tin");
    os.release(&os);
    struct ArrowArray a;
    cr_assert_eq(st.get_next(&st, &a), 0);
    const tir_interval *out = a.children[0]->buffers[1];
    cr_expect(out[0].months == 14 && out[0].days == 3 && out[0].micros == INT64_C(14706500000000), "nanoseconds");
    cr_expect(out[1].months == 0 && out[1].days == 0 && out[1].micros == 0, "a NULL row is zero");
    cr_expect(out[2].days == -1 && out[2].micros == -1000);
    cr_expect_eq(a.children[0]->null_count, 1);
    a.release(&a);
    st.release(&st);
    tir_result_free(r);
    tir_program_free(p);

    p = compile_ok("t: Table = registered(\"t\")\n"
                   "p: Pipeline = { s = table_scan :table = t :columns = [\"iv\"]\n"
                   "  v = project :input = s :columns = { \"big\": interval \"3000000 hours\" } }\n"
                   "output p.v\n");
    r = run_ok(p);
    cr_assert_eq(tir_program_output_arrow_schema(p, 0, &os), TIR_OK);
    cr_expect_str_eq(os.children[0]->format, "tin");
    os.release(&os);
    cr_assert_eq(tir_result_arrow_stream(r, 0, &st), TIR_OK);
    cr_expect_eq(st.get_next(&st, &a), EOVERFLOW);
    cr_expect(strstr(st.get_last_error(&st), "row 0: 10800000000000000 microseconds do not fit"), "%s",
              st.get_last_error(&st));
    st.release(&st);
    tir_result_free(r);
    tir_program_free(p);
}

/* Timestamps in seconds, milliseconds and nanoseconds are converted to
** microseconds (nanoseconds rounded down, also before 1970); a second or
** millisecond count outside tir's range is an error naming the row, unless
** the row is NULL. */
Test(arrow, timestamps_of_other_units_are_converted)
{
    /* 2024-02-29 23:59:59(.5), 1969-12-31 23:59:59.999999999, NULL */
    static int64_t sec[3] = {1709251199, -1, INT64_MAX};
    static int64_t ms[3] = {1709251199500, -1, 7};
    static int64_t ns[3] = {1709251199500000999, -1, 7};   /* .500000999: the 999 ns dropped */
    static const uint8_t valid[1] = {0x03};
    tcol cols[] = {{"tss:", "s", 0, 1, {valid, sec}, 2}, {"tsm:UTC", "m", 0, 1, {valid, ms}, 2},
                   {"tsn:", "n", 0, 1, {valid, ns}, 2}};
    int arr = 0, sch = 0;
    struct ArrowSchema s = make_schema(3, cols, &sch);
    struct ArrowArray x = make_batch(3, cols, 3, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("t: Table = registered(\"t\")\n"
                                "p: Pipeline = { s = table_scan :table = t }\noutput p.s\n");
    tir_result *r = run_ok(p);
    static const char *const want[3][2] = {{"2024-02-29 23:59:59", "1969-12-31 23:59:59"},
                                           {"2024-02-29 23:59:59.5", "1969-12-31 23:59:59.999"},
                                           {"2024-02-29 23:59:59.5", "1969-12-31 23:59:59.999999"}};
    for (int c = 0; c < 3; c++) {
        cr_assert_eq(tir_result_col_type(r, 0, (size_t)c), TIR_TIMESTAMP);
        bool v;
        char buf[32];
        for (int row = 0; row < 2; row++) {
            tir_timestamp_format(*(const int64_t *)cell(r, c, row, &v), buf);
            cr_expect(v);
            cr_expect_str_eq(buf, want[c][row]);
        }
        cell(r, c, 2, &v);
        cr_expect_not(v, "column %d: NULL stays NULL (its value out of range or not)", c);
    }
    tir_result_free(r);
    tir_program_free(p);

    static const uint8_t all[1] = {0x07};
    tcol far[] = {{"tss:", "when", 0, 0, {all, sec}, 2}};
    s = make_schema(1, far, &sch);
    x = make_batch(1, far, 3, 0, &arr);
    cr_expect_eq(tir_engine_register_arrow(e, "far", &s, &x), TIR_ERR_DATA);
    cr_expect(strstr(tir_engine_errmsg(e), "column 'when' (tss:): row 2, 9223372036854775807, is outside tir's timestamps"),
              "%s", tir_engine_errmsg(e));
}

/* decimal(p, s) of 19 to 38 digits (TIR_DECIMAL128): the result API says
** its width, precision and scale, its data is tir_dec128 (the values times
** 10^s, exact at the 38-digit limit and negative), tir_decimal128_format
** prints it, and Arrow gets the same 16 bytes as decimal128 "d:P,S"; a NULL
** has its validity bit clear. */
Test(arrow, decimal128_wide_out)
{
    const char *csv = "/tmp/tir_arrow_wide.csv";
    FILE *f = fopen(csv, "w");
    cr_assert_not_null(f);
    fputs("z\n99999999999999999999999999999999.999999\n-0.000001\n\n-12345678901234567890.5\n", f);
    fclose(f);
    tir_program *p = compile_ok("c: Table = read_csv(\"/tmp/tir_arrow_wide.csv\") { z: decimal(38,6) nullable }\n"
                                "q: Pipeline = { v = table_scan :table = c }\noutput q.v\n");
    struct ArrowSchema os;
    cr_assert_eq(tir_program_output_arrow_schema(p, 0, &os), TIR_OK);
    cr_expect_str_eq(os.children[0]->format, "d:38,6");
    os.release(&os);
    tir_result *r = run_ok(p);
    int prec = 0, scale = 0;
    cr_assert_eq(tir_result_col_type(r, 0, 0), TIR_DECIMAL128);
    cr_assert(tir_result_col_decimal(r, 0, 0, &prec, &scale) && prec == 38 && scale == 6, "decimal(%d,%d)", prec,
              scale);
    cr_assert_eq(tir_result_nbatches(r, 0), 1);
    const tir_dec128 *d = tir_result_batch_data(r, 0, 0, 0);
    const uint64_t *valid = tir_result_batch_validity(r, 0, 0, 0);
    __int128 top = 1;
    for (int k = 0; k < 38; k++)
        top *= 10;
    __int128 v0 = (__int128)((unsigned __int128)(uint64_t)d[0].hi << 64 | d[0].lo);
    cr_expect(v0 == top - 1, "the largest decimal(38,6), times 10^6");
    cr_expect(d[1].hi == -1 && d[1].lo == (uint64_t)-1, "-0.000001 is -1 in two's complement");
    cr_assert_not_null(valid);
    cr_expect_eq(valid[0] & 0xf, 0xb, "the third row is NULL");
    char buf[48];
    const char *want[] = {"99999999999999999999999999999999.999999", "-0.000001", NULL, "-12345678901234567890.500000"};
    for (int i = 0; i < 4; i++)
        if (want[i]) {
            cr_expect_eq(tir_decimal128_format(d[i], scale, buf), (int)strlen(want[i]));
            cr_expect_str_eq(buf, want[i]);
        }
    tir_decimal128_format((tir_dec128){5, 0}, 0, buf);
    cr_expect_str_eq(buf, "5");
    tir_decimal128_format((tir_dec128){5, 0}, 3, buf);
    cr_expect_str_eq(buf, "0.005");

    struct ArrowArrayStream st;
    cr_assert_eq(tir_result_arrow_stream(r, 0, &st), TIR_OK);
    struct ArrowSchema s;
    cr_assert_eq(st.get_schema(&st, &s), 0);
    cr_expect_str_eq(s.children[0]->format, "d:38,6");
    s.release(&s);
    struct ArrowArray a;
    cr_assert_eq(st.get_next(&st, &a), 0);
    cr_assert_eq(a.children[0]->length, 4);
    cr_expect_eq(a.children[0]->null_count, 1);
    cr_expect(!memcmp(a.children[0]->buffers[1], d, 4 * sizeof *d), "the same 16 bytes a row");
    a.release(&a);
    st.release(&st);
    tir_result_free(r);
    tir_program_free(p);
    remove(csv);
}

/* Arrow decimal128 with 19 to 38 digits registers as a wide decimal(P, S)
** read in place (16 bytes a row as tir holds them); cast to a narrow
** decimal it computes; a value with more than P digits is an error naming
** the column. */
Test(arrow, decimal128_wide_in)
{
    static __int128 vals[4] __attribute__((aligned(16)));
    __int128 big = 1;
    for (int k = 0; k < 30; k++)
        big *= 10;
    vals[0] = big - 1, vals[1] = -1250, vals[2] = 0, vals[3] = 99;   /* 10^28 - 0.01, -12.50, NULL, 0.99 */
    static const uint8_t valid[1] = {0x0b};
    tcol cols[] = {{"d:30,2", "w", 0, 1, {valid, vals}, 2}};
    int arr = 0, sch = 0;
    struct ArrowSchema s = make_schema(1, cols, &sch);
    struct ArrowArray x = make_batch(1, cols, 4, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("t: Table = registered(\"t\") { w: decimal(30,2) nullable }\n"
                                "q: Pipeline = { v = table_scan :table = t\n"
                                "  f = filter :input = v :expr = $in.w is not null :projection = [\"w\"]\n"
                                "  n = project :input = f :columns = { \"w\": $in.w, \"s\": cast($in.w as string) } }\n"
                                "output q.n\n");
    tir_result *r = run_ok(p);
    cr_assert_eq(tir_result_col_type(r, 0, 0), TIR_DECIMAL128);
    cr_assert_eq(tir_result_nrows(r, 0), 3);
    const tir_dec128 *d = tir_result_batch_data(r, 0, 0, 0);
    const tir_str *str = tir_result_batch_data(r, 0, 0, 1);
    cr_expect(d[1].hi == -1 && (int64_t)d[1].lo == -1250);
    const char *want[] = {"9999999999999999999999999999.99", "-12.50", "0.99"};
    for (int i = 0; i < 3; i++)
        cr_expect(str[i].len == strlen(want[i]) && !memcmp(tir_str_ptr(&str[i]), want[i], str[i].len), "row %d", i);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_unregister(e, "t");

    vals[3] = big;   /* 31 digits */
    arr = sch = 0;
    s = make_schema(1, cols, &sch);
    x = make_batch(1, cols, 4, 0, &arr);
    cr_assert_eq(tir_engine_register_arrow(e, "t", &s, &x), TIR_ERR_DATA);
    cr_assert(strstr(tir_engine_errmsg(e), "column 'w' (d:30,2) has a value of more than 30 digits"), "%s",
              tir_engine_errmsg(e));
}
