/*
** embed.c — embedding tir: compile a program held in a string, run it, and
** read its output batches through the public API. Two engines run side by
** side to show that no state is shared. Usage: embed [CSVDIR]
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tir.h"

static const char program[] =
    "nums: Table = read_csv(\"nums.csv\") { n: i64, tag: string nullable }\n"
    "p: Pipeline = {\n"
    "    v1 = table_scan :table = nums\n"
    "    v2 = filter :input = v1 :expr = $in.n % 2 == 0\n"
    "    g = hash_group_by :input = v2 :group_by = [\"tag\"] :aggregates = { \"total\": sum($in.n) }\n"
    "}\n"
    "output p.g\n";

static int run(tir_engine *e, const char *file)
{
    tir_program *prog;
    tir_status st = tir_compile(e, file, program, strlen(program), &prog);
    if (st != TIR_OK) {
        fprintf(stderr, "%s", tir_program_diag_text(prog));
        tir_program_free(prog);
        return 2;
    }
    tir_result *res;
    if ((st = tir_run(prog, &res)) != TIR_OK) {
        fprintf(stderr, "%s: %s\n", tir_status_name(st), tir_program_errmsg(prog));
        tir_program_free(prog);
        return 1;
    }
    for (size_t b = 0; b < tir_result_nbatches(res, 0); b++) {
        const tir_str *tag = tir_result_batch_data(res, 0, b, 0);
        const uint64_t *tag_valid = tir_result_batch_validity(res, 0, b, 0);
        const int64_t *total = tir_result_batch_data(res, 0, b, 1);
        for (uint32_t i = 0; i < tir_result_batch_rows(res, 0, b); i++) {
            bool null = tag_valid && !((tag_valid[i / 64] >> (i % 64)) & 1);
            printf("%.*s\t%" PRId64 "\n", null ? 4 : (int)tag[i].len, null ? "NULL" : tir_str_ptr(&tag[i]),
                   total[i]);
        }
    }
    tir_result_free(res);
    tir_program_free(prog);
    return 0;
}

int main(int argc, char **argv)
{
    char file[4096];
    snprintf(file, sizeof file, "%s/embed.tir", argc > 1 ? argv[1] : ".");
    tir_engine *a = tir_engine_new(NULL);
    tir_engine *b = tir_engine_new(&(tir_config){.batch_size = 64});
    int rc = run(a, file);
    if (!rc)
        rc = run(b, file);
    tir_engine_free(a);
    tir_engine_free(b);
    return rc;
}
