/*
** tsan.c — the scenarios of tests/unit/threads_scenarios.h without
** Criterion, for a ThreadSanitizer build (Criterion's runner cannot start
** under TSan). TSan reports make the process exit non-zero
** (TSAN_OPTIONS=halt_on_error=1 exitcode=66); the last line is
** "N passed, N failed".
*/
#include "threads_scenarios.h"

static int run(const char *name, bool (*fn)(sc_ctx *), sc_ctx *c, int *passed, int *failed)
{
    bool ok = sc_setup(c) && fn(c);
    sc_teardown(c);
    printf("%s %s%s%s\n", ok ? "ok" : "FAIL", name, ok ? "" : ": ", ok ? "" : c->why);
    fflush(stdout);
    *(ok ? passed : failed) += 1;
    return ok;
}

static bool four_threads(sc_ctx *c)
{
    return sc_four_threads_on_one_engine(c, 200);
}

int main(void)
{
    sc_ctx c;
    int passed = 0, failed = 0;
    run("four_threads_compile_run_and_free_on_one_engine", four_threads, &c, &passed, &failed);
    for (size_t i = 0; i < sizeof sc_scenarios / sizeof *sc_scenarios; i++)
        run(sc_scenarios[i].name, sc_scenarios[i].fn, &c, &passed, &failed);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
