/*
** consumer.c — a program from outside the tree, built against an installed
** tir with nothing but pkg-config (tests/install_consumer.sh). It prints the
** version it was compiled with and the one it runs with, its output's Arrow
** schema (the installed tir_arrow.h), then runs one compiled program over
** DIR/t.csv once per bound value of $min.
**
**   consumer DIR MIN...
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tir_arrow.h>

static const char program[] =
    "$min: i64\n"
    "t: Table = read_csv(\"t.csv\", header = true) { k: string, v: i64 }\n"
    "p: Pipeline = {\n"
    "    v1 = table_scan :table = t\n"
    "    v2 = filter :input = v1 :expr = $in.v >= $min\n"
    "    g = aggregate :input = v2 :aggregates = { \"n\": count($in.v), \"s\": sum($in.v) }\n"
    "}\n"
    "output p.g\n";

/* One row of i64 columns, "name=value" each; NULL for a NULL. */
static void print_row(const tir_result *res)
{
    for (size_t c = 0; c < tir_result_ncols(res, 0); c++) {
        const int64_t *v = tir_result_batch_data(res, 0, 0, c);
        const uint64_t *valid = tir_result_batch_validity(res, 0, 0, c);
        printf("%s%s=", c ? " " : "", tir_result_col_name(res, 0, c));
        if (valid && !(valid[0] & 1))
            printf("NULL");
        else
            printf("%" PRId64, v[0]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: consumer DIR MIN...\n");
        return 2;
    }
    printf("header %s (%d.%d.%d)\n", TIR_VERSION, TIR_VERSION_MAJOR, TIR_VERSION_MINOR, TIR_VERSION_PATCH);
    printf("library %s\n", tir_version());

    char file[4096];
    snprintf(file, sizeof file, "%s/consumer.tir", argv[1]);
    tir_engine *e = tir_engine_new(NULL);
    if (!e)
        return 1;
    tir_program *prog;
    tir_status st = tir_compile(e, file, program, strlen(program), &prog);
    if (st != TIR_OK) {
        fprintf(stderr, "%s", prog ? tir_program_diag_text(prog) : tir_engine_errmsg(e));
        tir_program_free(prog);
        tir_engine_free(e);
        return 1;
    }
    struct ArrowSchema schema;
    if (tir_program_output_arrow_schema(prog, 0, &schema) != TIR_OK)
        return 1;
    printf("arrow %s", schema.format);
    for (int64_t c = 0; c < schema.n_children; c++)
        printf(" %s:%s", schema.children[c]->name, schema.children[c]->format);
    printf("\n");
    schema.release(&schema);
    int rc = 0;
    for (int i = 2; i < argc && !rc; i++) {
        tir_result *res = NULL;
        if ((st = tir_bind_i64(prog, "min", strtoll(argv[i], NULL, 10))) != TIR_OK ||
            (st = tir_run(prog, &res)) != TIR_OK) {
            fprintf(stderr, "%s: %s\n", tir_status_name(st), tir_engine_errmsg(e));
            rc = 1;
        } else if (tir_result_noutputs(res) != 1 || tir_result_nbatches(res, 0) != 1 ||
                   tir_result_batch_rows(res, 0, 0) != 1) {
            fprintf(stderr, "expected one output of one row\n");
            rc = 1;
        } else {
            printf("min=%s ", argv[i]);
            print_row(res);
        }
        tir_result_free(res);
    }
    tir_program_free(prog);
    tir_engine_free(e);
    return rc;
}
