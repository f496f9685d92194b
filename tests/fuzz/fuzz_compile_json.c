/*
** fuzz_compile_json.c — libFuzzer harness for programs in their JSON form,
** through the public API only: the input is JSON for tir_compile_json
** (jansson, frontend/json.c, the checker, lowering). Besides the compile
** contract of fuzz_compile, it checks that the two forms are one: when the
** input converts to JSON (it parsed), that JSON compiles to the same JSON
** again, and so does the .tir text it converts to. Nothing runs.
*/
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* p's JSON form; NULL when it has none. */
static char *to_json(tir_program *p)
{
    char *json = NULL;
    tir_status st = tir_program_to_json(p, &json);
    if (st != TIR_OK && st != TIR_ERR_COMPILE && st != TIR_ERR_NOMEM)
        fuzz_fail("tir_program_to_json returned %s", tir_status_name(st));
    return st == TIR_OK ? json : NULL;
}

/* Compiles src (JSON or text) and requires its JSON form to be want. */
static void same_json(tir_engine *e, const char *src, bool json, const char *want)
{
    tir_program *p = NULL;
    tir_status st = json ? tir_compile_json(e, fuzz_path(2, "again.json"), src, strlen(src), &p)
                         : tir_compile(e, fuzz_path(2, "again.tir"), src, strlen(src), &p);
    fuzz_check_compile(p, st);
    if (!p)
        return;
    char *got = to_json(p);
    if (!got && st != TIR_ERR_NOMEM)
        fuzz_fail("the %s form of a program does not convert back: %s\n%s", json ? "JSON" : "text",
                  tir_program_errmsg(p), src);
    if (got && strcmp(got, want))
        fuzz_fail("the %s form converts to other JSON:\n%s\n---\n%s", json ? "JSON" : "text", want, got);
    free(got);
    tir_program_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tir_engine *e = fuzz_engine();
    if (!e)
        return 0;
    tir_program *p = NULL;
    tir_status st = tir_compile_json(e, fuzz_path(1, "fuzz.json"), (const char *)data, size, &p);
    fuzz_check_compile(p, st);
    if (!p) {
        tir_engine_free(e);
        return 0;
    }
    /* a diagnostic has a line and column in the input (its node's, or
    ** where jansson stopped) and, when the JSON read, its node's path */
    for (size_t i = 0; i < tir_program_ndiags(p); i++) {
        const tir_diag *d = tir_program_diag(p, i);
        if (d->line < 1 || d->col < 1)
            fuzz_fail("diagnostic '%s' has no line and column (%d:%d)", d->message, d->line, d->col);
        if (d->path && d->path[0] != '$')
            fuzz_fail("diagnostic '%s' has the path '%s'", d->message, d->path);
    }
    char *json = to_json(p);
    char *text = NULL;
    if (json && tir_program_to_text(p, &text) != TIR_OK)
        fuzz_fail("converts to JSON but not to text: %s", tir_program_errmsg(p));
    tir_program_free(p);
    if (json) {
        same_json(e, json, true, json);
        same_json(e, text, false, json);
    }
    free(json);
    free(text);
    tir_engine_free(e);
    return 0;
}
