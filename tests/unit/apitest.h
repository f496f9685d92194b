/*
** apitest.h — compile and run through the public API, failing the test
** with the diagnostics or the engine's message when either does not work.
** The including file defines `static tir_engine *e` first.
*/
#ifndef APITEST_H
#define APITEST_H

#include <criterion/criterion.h>
#include <string.h>

#include "tir.h"

static tir_program *compile_ok(const char *src)
{
    tir_program *p = NULL;
    tir_status st = tir_compile(e, "test.tir", src, strlen(src), &p);
    cr_assert_eq(st, TIR_OK, "compile failed: %s", p ? tir_program_diag_text(p) : tir_engine_errmsg(e));
    return p;
}

static tir_result *run_ok(tir_program *p)
{
    tir_result *r = NULL;
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    return r;
}

#endif
