/*
** fuzz_compile.c — libFuzzer harness for the compiler, through the public
** API only: the input is .tir text for tir_compile (lexer, parser, checker,
** lowering), then the rendered diagnostics and, when it compiled, the
** explain listing. Nothing runs.
**
** The program's file sits in a scratch directory holding a few native
** tables under data/ (imported once from tests/cases/data), so that
** read_table("data/emp.tirt") and friends reach the checker's table schema
** code with real, sorted and bloom-filtered tables. A fresh engine per
** input keeps inputs independent; it may use only the scratch directory.
*/
#include "fuzz.h"

#include <stdio.h>
#include <sys/stat.h>

#ifndef FUZZ_CASES_DATA
#error "FUZZ_CASES_DATA must name tests/cases/data"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *csv, *table, *sort_by, *bloom;
} tables[] = {
    {"emp.csv", "emp.tirt", NULL, NULL},
    {"emp.csv", "emp_by_id.tirt", "id", "dept"},
    {"people.csv", "people.tirt", NULL, NULL},
    {"sales.csv", "sales.tirt", "region desc, year", "region"},
    {"days.csv", "days.tirt", "d", NULL},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mkdir(fuzz_path(0, "data"), 0755);
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 1});
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char csv[1024], out[1024];
        snprintf(csv, sizeof csv, "%s/%s", FUZZ_CASES_DATA, tables[i].csv);
        snprintf(out, sizeof out, "%s/%s", fuzz_path(0, "data"), tables[i].table);
        tir_import_opts o = {.sort_by = tables[i].sort_by, .bloom = tables[i].bloom, .block_rows = 64};
        if (tir_import_csv(e, csv, out, &o, NULL) != TIR_OK)
            fuzz_fail("cannot import %s: %s", csv, tir_engine_errmsg(e));
    }
    tir_engine_free(e);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tir_engine *e = fuzz_engine();
    if (!e)
        return 0;
    tir_program *p = NULL;
    tir_status st = tir_compile(e, fuzz_path(1, "fuzz.tir"), (const char *)data, size, &p);
    fuzz_check_compile(p, st);
    if (p) {
        if (st == TIR_OK && !tir_program_explain(p))
            fuzz_fail("no explain listing");
        tir_program_free(p);
    }
    tir_engine_free(e);
    return 0;
}
