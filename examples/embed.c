/*
** embed.c — tir embedded as a foreign engine would use it: the host's own
** columnar arrays registered as a table (Arrow C Data, no copy of the
** numbers), one compiled plan run with bound parameters (never spliced into
** program text), its result pulled as an Arrow stream while it runs, errors
** read from the program that failed, and Ctrl-C cancelling the run.
**
** The host here is a toy order store: n orders (id, customer, amount with
** NULLs). The plan sums the amounts per customer at or above $min and keeps
** customers whose total passes $floor. The answer is checked against the
** same sums computed in plain C, so `embed` doubles as a test (exit 1 when
** they differ). Usage: embed [ORDERS] (default 100000).
*/
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tir_arrow.h"

#define NCUSTOMERS 1000

static const char plan[] =
    "$min: f64\n"
    "$floor: f64\n"
    "orders: Table = registered(\"orders\")\n"
    "by_customer: Pipeline = {\n"
    "    v1 = table_scan :table = orders\n"
    "    v2 = filter :input = v1 :expr = $in.amount >= $min\n"
    "    g = hash_group_by :input = v2 :group_by = [\"customer\"]\n"
    "        :aggregates = { \"orders\": count(*), \"total\": sum($in.amount) }\n"
    "}\n"
    "big: Pipeline = {\n"
    "    v1 = table_scan :table = by_customer.g\n"
    "    v2 = filter :input = v1 :expr = $in.total >= $floor\n"
    "}\n"
    "output big.v2\n";

/* ------------------------------------------------------- the host's data */

typedef struct orders {
    int64_t n;
    int64_t *id;
    int32_t *customer;
    double *amount;
    uint8_t *amount_valid;   /* Arrow's validity bitmap: bit i set = row i not NULL */
} orders;

static orders make_orders(int64_t n)
{
    orders o = {n, malloc(8 * (size_t)n), malloc(4 * (size_t)n), malloc(8 * (size_t)n), calloc((size_t)n / 8 + 1, 1)};
    if (!o.id || !o.customer || !o.amount || !o.amount_valid) {
        fprintf(stderr, "embed: out of memory\n");
        exit(1);
    }
    uint64_t x = 42;
    for (int64_t i = 0; i < n; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        o.id[i] = i + 1;
        o.customer[i] = (int32_t)(x >> 40) % NCUSTOMERS;
        o.amount[i] = (double)((x >> 20) % 100000) / 100.0;
        if ((x >> 8) % 10)   /* one amount in ten is NULL */
            o.amount_valid[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    return o;
}

/* The Arrow view of the arrays: a struct array whose children point at the
** host's buffers. The host keeps ownership of the numbers; tir calls the
** release callbacks when it no longer needs them (here: when the engine is
** freed), and each callback frees only the small structs made here. */
typedef struct view {
    struct ArrowSchema schema, *schema_kids[3], kid_schema[3];
    struct ArrowArray array, *array_kids[3], kid_array[3];
    const void *bufs[3][2];
    const void *top_bufs[1];
    int releases;            /* callbacks still to come */
} view;

/* A child's memory is its parent's: releasing it only marks it. */
static void release_child_schema(struct ArrowSchema *s)
{
    s->release = NULL;
}

static void release_child_array(struct ArrowArray *a)
{
    a->release = NULL;
}

static void release_schema(struct ArrowSchema *s)
{
    view *v = s->private_data;
    for (int64_t c = 0; c < s->n_children; c++)
        if (s->children[c]->release)
            s->children[c]->release(s->children[c]);
    s->release = NULL;
    if (--v->releases == 0)
        free(v);
}

static void release_array(struct ArrowArray *a)
{
    view *v = a->private_data;
    for (int64_t c = 0; c < a->n_children; c++)
        if (a->children[c]->release)
            a->children[c]->release(a->children[c]);
    a->release = NULL;
    if (--v->releases == 0)
        free(v);
}

static view *arrow_view(const orders *o)
{
    view *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    static const char *const names[] = {"id", "customer", "amount"}, *const formats[] = {"l", "i", "g"};
    const void *data[] = {o->id, o->customer, o->amount};
    for (int c = 0; c < 3; c++) {
        v->kid_schema[c] = (struct ArrowSchema){.format = formats[c], .name = names[c],
                                                .flags = c == 2 ? ARROW_FLAG_NULLABLE : 0,
                                                .release = release_child_schema, .private_data = v};
        v->schema_kids[c] = &v->kid_schema[c];
        v->bufs[c][0] = c == 2 ? o->amount_valid : NULL;
        v->bufs[c][1] = data[c];
        v->kid_array[c] = (struct ArrowArray){.length = o->n, .null_count = -1, .n_buffers = 2,
                                              .buffers = v->bufs[c], .release = release_child_array,
                                              .private_data = v};
        v->array_kids[c] = &v->kid_array[c];
    }
    v->schema = (struct ArrowSchema){.format = "+s", .name = "", .n_children = 3, .children = v->schema_kids,
                                     .release = release_schema, .private_data = v};
    v->array = (struct ArrowArray){.length = o->n, .n_buffers = 1, .buffers = v->top_bufs, .n_children = 3,
                                   .children = v->array_kids, .release = release_array, .private_data = v};
    v->releases = 2;
    return v;
}

/* --------------------------------------------------- the same in plain C */

static int64_t expected_big(const orders *o, double min, double floor_, double *sum_out)
{
    double total[NCUSTOMERS] = {0};
    int64_t count[NCUSTOMERS] = {0}, nbig = 0;
    for (int64_t i = 0; i < o->n; i++)
        if ((o->amount_valid[i / 8] >> (i % 8) & 1) && o->amount[i] >= min) {
            total[o->customer[i]] += o->amount[i];
            count[o->customer[i]]++;
        }
    *sum_out = 0;
    for (int c = 0; c < NCUSTOMERS; c++)
        if (count[c] && total[c] >= floor_) {
            nbig++;
            *sum_out += total[c];
        }
    return nbig;
}

/* -------------------------------------------------------------- running */

static tir_program *volatile running;

static void on_sigint(int sig)
{
    (void)sig;
    if (running)
        tir_program_cancel(running);   /* one atomic store: safe here */
}

/* Pulls the stream to its end: rows and the sum of column "total". */
static int pull(struct ArrowArrayStream *s, int64_t *rows, double *sum)
{
    struct ArrowSchema schema;
    if (s->get_schema(s, &schema) != 0)
        return -1;
    int total_col = -1;
    for (int64_t c = 0; c < schema.n_children; c++)
        if (!strcmp(schema.children[c]->name, "total"))
            total_col = (int)c;
    schema.release(&schema);
    if (total_col < 0)
        return -1;
    *rows = 0;
    *sum = 0;
    for (;;) {
        struct ArrowArray batch;
        int err = s->get_next(s, &batch);
        if (err)
            return err;
        if (!batch.release)   /* the end */
            return 0;
        const struct ArrowArray *col = batch.children[total_col];
        const double *v = (const double *)col->buffers[1] + col->offset;
        for (int64_t i = 0; i < batch.length; i++)
            *sum += v[i];   /* totals of customers with rows are never NULL here */
        *rows += batch.length;
        batch.release(&batch);
    }
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? strtoll(argv[1], NULL, 10) : 100000;
    if (n <= 0) {
        fprintf(stderr, "usage: embed [ORDERS]\n");
        return 2;
    }
    orders o = make_orders(n);
    tir_engine *e = tir_engine_new(NULL);
    view *v = arrow_view(&o);
    if (!e || !v) {
        fprintf(stderr, "embed: out of memory\n");
        return 1;
    }
    /* the structs move into the engine, the numbers stay where they are */
    if (tir_engine_register_arrow(e, "orders", &v->schema, &v->array) != TIR_OK) {
        fprintf(stderr, "embed: registering: %s\n", tir_engine_errmsg(e));
        return 1;
    }
    tir_program *p = NULL;
    if (tir_compile(e, "embed.tir", plan, sizeof plan - 1, &p) != TIR_OK) {
        fprintf(stderr, "%s", p ? tir_program_diag_text(p) : "embed: out of memory\n");
        return 1;
    }
    signal(SIGINT, on_sigint);
    int rc = 0;
    /* one compiled plan, run with several bindings */
    static const double mins[] = {0, 250, 900}, floors[] = {46000, 30000, 8000};
    for (int k = 0; k < 3 && rc == 0; k++) {
        if (tir_bind_f64(p, "min", mins[k]) != TIR_OK || tir_bind_f64(p, "floor", floors[k]) != TIR_OK) {
            fprintf(stderr, "embed: binding: %s\n", tir_program_errmsg(p));
            rc = 1;
            break;
        }
        struct ArrowArrayStream s;
        running = p;
        if (tir_run_arrow_stream(p, 0, &s) != TIR_OK) {
            fprintf(stderr, "embed: %s\n", tir_program_errmsg(p));
            rc = 1;
            break;
        }
        int64_t rows;
        double sum;
        int err = pull(&s, &rows, &sum);
        if (err)
            fprintf(stderr, "embed: %s\n", s.get_last_error(&s) ? s.get_last_error(&s) : "reading the stream");
        s.release(&s);   /* waits for the run's end */
        running = NULL;
        if (err) {
            rc = 1;
            break;
        }
        double want_sum;
        int64_t want = expected_big(&o, mins[k], floors[k], &want_sum);
        bool same = rows == want && (sum - want_sum) * (sum - want_sum) <= 1e-6 * want_sum * want_sum + 1e-6;
        printf("$min %6.1f  $floor %7.1f: %4" PRId64 " customers, total %.2f  (%s)\n", mins[k], floors[k], rows, sum,
               same ? "as computed in C" : "DIFFERENT from C");
        if (!same)
            rc = 1;
    }
    tir_program_free(p);
    tir_engine_free(e);   /* releases the registered arrays' structs */
    free(o.id);
    free(o.customer);
    free(o.amount);
    free(o.amount_valid);
    return rc;
}
