/*
** fuzz_util.c — the helpers of fuzz.h: scratch directory, files, program
** text, and reading a table's schema back from its description.
*/
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[256];

/* Best effort: a crash leaves the directory behind, which is harmless. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char p[512];
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (unlink(p) != 0 && errno == EISDIR)
            remove_tree(p);
    }
    closedir(d);
    rmdir(dir);
}

static void remove_scratch(void)
{
    remove_tree(scratch);
}

const char *fuzz_path(int slot, const char *name)
{
    static char paths[4][512];
    if (!scratch[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(scratch, sizeof scratch, "%s/tir-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(scratch))
            fuzz_fail("cannot make a scratch directory %s: %s", scratch, strerror(errno));
        atexit(remove_scratch);
    }
    snprintf(paths[slot & 3], sizeof paths[0], "%s/%s", scratch, name);
    return paths[slot & 3];
}

bool fuzz_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(data, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "fuzz: cannot write %s\n", path);
    return ok;
}

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz: contract broken: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();    /* libFuzzer saves the input as a crash */
}

static void reserve(fuzz_buf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1)
        cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p)
        fuzz_fail("out of memory building a program");
    b->cap = cap;
}

void fuzz_buf_printf(fuzz_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void fuzz_buf_quote(fuzz_buf *b, const char *s, size_t n)
{
    reserve(b, 2 * n + 2);
    b->p[b->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"' || c == '\\' || c == '\n' || c == '\t') {
            b->p[b->len++] = '\\';
            c = c == '\n' ? 'n' : c == '\t' ? 't' : c;
        }
        b->p[b->len++] = c;
    }
    b->p[b->len++] = '"';
    b->p[b->len] = 0;
}

void fuzz_buf_free(fuzz_buf *b)
{
    free(b->p);
    *b = (fuzz_buf){0};
}

static bool type_named(const char *s, size_t n, tir_type *t)
{
    for (int i = 0; i < TIR_NTYPES; i++) {
        const char *name = tir_type_name((tir_type)i);
        if (strlen(name) == n && memcmp(name, s, n) == 0) {
            *t = (tir_type)i;
            return true;
        }
    }
    return false;
}

static const fuzz_schema *sorting;

static int by_name(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    size_t li = sorting->lens[i], lj = sorting->lens[j];
    int c = memcmp(sorting->names[i], sorting->names[j], li < lj ? li : lj);
    if (c == 0 && li != lj)
        c = li < lj ? -1 : 1;
    return c ? c : (i > j) - (i < j);
}

/* Marks the columns whose name an earlier column has; sorting keeps this
** fast for the many columns a damaged footer may list. */
static void mark_dups(fuzz_schema *s)
{
    int *idx = malloc((size_t)s->ncols * sizeof *idx);
    if (!idx)
        fuzz_fail("out of memory parsing a schema");
    for (int c = 0; c < s->ncols; c++)
        idx[c] = c;
    sorting = s;
    qsort(idx, (size_t)s->ncols, sizeof *idx, by_name);
    for (int k = 1; k < s->ncols; k++) {
        int a = idx[k - 1], b = idx[k];
        s->dup[b] = s->lens[a] == s->lens[b] && memcmp(s->names[a], s->names[b], s->lens[b]) == 0;
    }
    free(idx);
}

/* The text looks like "...columns: N\n...schema:\n  NAME: TYPE[ nullable]...\n"
** N times, then "block statistics". NAME may hold ": ", so a line is cut
** at its last ": ". */
bool fuzz_schema_parse(const char *text, fuzz_schema *s)
{
    *s = (fuzz_schema){0};
    const char *p = strstr(text, "\ncolumns: ");
    const char *q = strstr(text, "\nschema:\n");
    if (!p || !q)
        return false;
    long n = strtol(p + 10, NULL, 10);
    if (n <= 0 || n > 100000)
        return false;
    s->names = calloc((size_t)n, sizeof *s->names);
    s->lens = calloc((size_t)n, sizeof *s->lens);
    s->types = calloc((size_t)n, sizeof *s->types);
    s->nullable = calloc((size_t)n, sizeof *s->nullable);
    s->dup = calloc((size_t)n, sizeof *s->dup);
    if (!s->names || !s->lens || !s->types || !s->nullable || !s->dup)
        fuzz_fail("out of memory parsing a schema");
    p = q + 9;
    for (s->ncols = 0; s->ncols < n; s->ncols++) {
        const char *eol = strchr(p, '\n');
        if (!eol || strncmp(p, "  ", 2) != 0)
            goto fail;
        const char *cut = NULL;
        for (const char *r = p + 2; r + 1 < eol; r++)
            if (r[0] == ':' && r[1] == ' ')
                cut = r;
        if (!cut || cut == p + 2)
            goto fail;
        const char *ty = cut + 2, *tyend = ty;
        while (tyend < eol && *tyend != ' ')
            tyend++;
        int c = s->ncols;
        if (!type_named(ty, (size_t)(tyend - ty), &s->types[c]))
            goto fail;
        s->nullable[c] = strncmp(tyend, " nullable", 9) == 0;
        s->lens[c] = (size_t)(cut - (p + 2));
        s->names[c] = strndup(p + 2, s->lens[c]);
        if (!s->names[c])
            fuzz_fail("out of memory parsing a schema");
        p = eol + 1;
    }
    if (strncmp(p, "block statistics", 16) == 0) {
        mark_dups(s);
        return true;
    }
fail:
    fuzz_schema_free(s);
    return false;
}

void fuzz_schema_free(fuzz_schema *s)
{
    for (int c = 0; c < s->ncols; c++)
        free(s->names[c]);
    free(s->names);
    free(s->lens);
    free(s->types);
    free(s->nullable);
    free(s->dup);
    *s = (fuzz_schema){0};
}

void fuzz_buf_scan_all(fuzz_buf *b, const fuzz_schema *s)
{
    fuzz_buf_printf(b, "p: Pipeline = {\n    v1 = table_scan :table = t :columns = [");
    for (int c = 0, first = 1; c < s->ncols; c++) {
        if (s->dup[c])
            continue;
        if (!first)
            fuzz_buf_printf(b, ", ");
        fuzz_buf_quote(b, s->names[c], s->lens[c]);
        first = 0;
    }
    fuzz_buf_printf(b, "]\n}\noutput p.v1\n");
}

void fuzz_check_compile(tir_program *p, tir_status st)
{
    if (st != TIR_OK && st != TIR_ERR_COMPILE && st != TIR_ERR_NOMEM)
        fuzz_fail("compiling returned %s", tir_status_name(st));
    if (!p)
        return;
    size_t nerr = 0, n = tir_program_ndiags(p);
    for (size_t i = 0; i < n; i++) {
        const tir_diag *d = tir_program_diag(p, i);
        if (!d || !d->message || !d->file)
            fuzz_fail("diagnostic %zu of %zu is incomplete", i, n);
        nerr += d->severity == TIR_SEV_ERROR;
    }
    if (st == TIR_OK && nerr)
        fuzz_fail("compiled with %zu errors", nerr);
    if (st == TIR_ERR_COMPILE && !nerr)
        fuzz_fail("compile failed without an error diagnostic");
    const char *text = tir_program_diag_text(p);
    if (!text || (n && !*text))
        fuzz_fail("no diagnostic text for %zu diagnostics", n);
}

tir_engine *fuzz_engine(void)
{
    const char *dirs[] = {fuzz_path(0, ""), NULL};
    return tir_engine_new(&(tir_config){.threads = 1, .memory_limit = 64 << 20, .allowed_dirs = dirs});
}
