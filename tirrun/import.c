/*
** import.c (tirrun) — the table subcommands:
**
**   tirrun import [options] IN.csv OUT.tirt    tir_import_csv
**   tirrun describe [--verify] TABLE.tirt      tir_table_describe
**
** Like the rest of tirrun, a client of tir.h only: the summary an import
** prints is read back from the table's description.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tir.h"
#include "import.h"

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static void import_usage(FILE *f)
{
    fputs("usage: tirrun import [options] IN.csv OUT.tirt\n"
          "\n"
          "Reads a CSV file and writes it as a native tir table. OUT.tirt is\n"
          "replaced only when the import completes: a table already there stays\n"
          "intact if it fails or is interrupted.\n"
          "\n"
          "options:\n"
          "  --schema TEXT      the columns, as in a .tir table declaration:\n"
          "                     'id: i64 unique, name: string nullable' (default:\n"
          "                     inferred from the data)\n"
          "  --sort-by KEYS     write the rows sorted by KEYS: 'col [asc|desc] [nulls first|last], ...'\n"
          "                     (stable; default ascending, NULLs last); the first key's column\n"
          "                     is recorded as ordered\n"
          "  --bloom COLS       comma-separated columns whose blocks get bloom filters\n"
          "  --block-rows N     rows per block, a multiple of 64 (default 32768)\n"
          "  --delimiter C      field delimiter, one character; '\\t' for tab (default ',')\n"
          "  --no-header        the first line is data; columns are named c1, c2, ...\n"
          "  --null STR         an unquoted field equal to STR is NULL (default: empty field)\n"
          "  --memory-limit SIZE  fail cleanly rather than hold more than SIZE bytes (suffix K, M\n"
          "                     or G; default: 80% of the machine's memory)\n"
          "  -h, --help         show this help\n"
          "\n"
          "exit status: 0 ok, 1 data or I/O error, 2 usage error or bad schema\n", f);
}

static void describe_usage(FILE *f)
{
    fputs("usage: tirrun describe [--verify] TABLE.tirt\n"
          "\n"
          "Prints a native table's schema, size and per-block statistics (the\n"
          "first 20 blocks). --verify also checks every checksum in the file.\n"
          "\n"
          "exit status: 0 ok, 1 unreadable or corrupt table, 2 usage error\n", f);
}

static int exit_for(tir_status st)
{
    if (st == TIR_OK)
        return EXIT_SUCCESS;
    return st == TIR_ERR_ARG || st == TIR_ERR_COMPILE ? EXIT_USAGE : EXIT_RUNTIME;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The number after "key: " at the start of a line of text; -1 if absent. */
static long long described(const char *text, const char *key)
{
    size_t k = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        if (strncmp(l, key, k) == 0 && l[k] == ':' && l[k + 1] == ' ')
            return strtoll(l + k + 2, NULL, 10);
    return -1;
}

/* Splits "--name=value" / "--name value" for the options in `valued`.
** Returns 1 with *val set, 0 when arg is not one of them, -1 when the value
** is missing. */
static int take_value(int argc, char **argv, int *i, const char *const *valued, const char **name,
                      const char **val)
{
    const char *arg = argv[*i];
    size_t n = strcspn(arg, "=");
    for (int k = 0; valued[k]; k++) {
        if (strlen(valued[k]) != n || strncmp(arg, valued[k], n) != 0)
            continue;
        *name = valued[k];
        if (arg[n] == '=') {
            *val = arg + n + 1;
            return 1;
        }
        if (*i + 1 >= argc)
            return -1;
        *val = argv[++*i];
        return 1;
    }
    return 0;
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int usage_error(void (*usage)(FILE *), const char *fmt, const char *a)
{
    fputs("tirrun: ", stderr);
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    usage(stderr);
    return EXIT_USAGE;
}

int import_main(int argc, char **argv)
{
    static const char *const valued[] = {"--schema", "--sort-by", "--bloom", "--block-rows",
                                         "--delimiter", "--null", "--memory-limit", NULL};
    tir_import_opts o = {0};
    tir_config cfg = {0};
    const char *files[2] = {NULL, NULL};
    int nfiles = 0;
    bool only_files = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *name = NULL, *val = NULL;
        if (only_files || arg[0] != '-' || arg[1] == '\0') {
            if (nfiles == 2)
                return usage_error(import_usage, "import: unexpected argument '%s'", arg);
            files[nfiles++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_files = true;
            continue;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            import_usage(stdout);
            return EXIT_SUCCESS;
        }
        if (strcmp(arg, "--no-header") == 0) {
            o.no_header = true;
            continue;
        }
        int r = take_value(argc, argv, &i, valued, &name, &val);
        if (r == 0)
            return usage_error(import_usage, "import: unknown option '%s'", arg);
        if (r < 0)
            return usage_error(import_usage, "import: option '%s' needs a value", arg);
        if (strcmp(name, "--schema") == 0) {
            o.schema = val;
        } else if (strcmp(name, "--sort-by") == 0) {
            o.sort_by = val;
        } else if (strcmp(name, "--bloom") == 0) {
            o.bloom = val;
        } else if (strcmp(name, "--null") == 0) {
            o.null_string = val;
        } else if (strcmp(name, "--memory-limit") == 0) {
            unsigned long long n;
            if (!tirrun_parse_size(val, &n))
                return usage_error(import_usage, "import: --memory-limit needs a byte count such as 500M, not '%s'",
                                   val);
            cfg.memory_limit = n;
        } else if (strcmp(name, "--block-rows") == 0) {
            if (!parse_u32(val, &o.block_rows) || o.block_rows == 0 || o.block_rows % 64)
                return usage_error(import_usage, "import: --block-rows needs a multiple of 64, not '%s'", val);
        } else {
            if (strcmp(val, "\\t") == 0)
                val = "\t";
            if (strlen(val) != 1 || *val == '"' || *val == '\n' || *val == '\r')
                return usage_error(import_usage,
                                   "import: --delimiter needs one character other than a quote, CR or LF, not '%s'",
                                   val);
            o.delimiter = *val;
        }
    }
    if (nfiles != 2)
        return usage_error(import_usage, "import: %s", "needs the CSV file and the table file");

    tir_engine *e = tir_engine_new(&cfg);
    if (!e) {
        fprintf(stderr, "tirrun: out of memory\n");
        return EXIT_RUNTIME;
    }
    uint64_t rows = 0;
    double t0 = now_seconds();
    tir_status st = tir_import_csv(e, files[0], files[1], &o, &rows);
    double elapsed = now_seconds() - t0;
    if (st != TIR_OK) {
        /* schema diagnostics already read "schema:line:col: error: ..." */
        fprintf(stderr, st == TIR_ERR_COMPILE ? "%s\n" : "tirrun: error: %s\n", tir_engine_errmsg(e));
        tir_engine_free(e);
        return exit_for(st);
    }
    struct stat sb;
    double mb = stat(files[0], &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
    char *text = NULL;
    if (tir_table_describe(e, files[1], false, &text) == TIR_OK) {
        fprintf(stderr, "imported %s into %s: %llu rows, %lld columns, %lld blocks, %lld bytes in %.3f s (%.1f MB/s of CSV)\n",
                files[0], files[1], (unsigned long long)rows, described(text, "columns"),
                described(text, "blocks"), described(text, "file"), elapsed,
                elapsed > 0 ? mb / elapsed : 0.0);
    } else {
        fprintf(stderr, "imported %s into %s: %llu rows in %.3f s (%.1f MB/s of CSV); describing it failed: %s\n",
                files[0], files[1], (unsigned long long)rows, elapsed, elapsed > 0 ? mb / elapsed : 0.0,
                tir_engine_errmsg(e));
    }
    free(text);
    tir_engine_free(e);
    return EXIT_SUCCESS;
}

int import_describe_main(int argc, char **argv)
{
    const char *file = NULL;
    bool verify = false, only_files = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_files || arg[0] != '-' || arg[1] == '\0') {
            if (file)
                return usage_error(describe_usage, "describe: unexpected argument '%s'", arg);
            file = arg;
        } else if (strcmp(arg, "--") == 0) {
            only_files = true;
        } else if (strcmp(arg, "--verify") == 0) {
            verify = true;
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            describe_usage(stdout);
            return EXIT_SUCCESS;
        } else {
            return usage_error(describe_usage, "describe: unknown option '%s'", arg);
        }
    }
    if (!file)
        return usage_error(describe_usage, "describe: %s", "needs the table file");

    tir_engine *e = tir_engine_new(NULL);
    if (!e) {
        fprintf(stderr, "tirrun: out of memory\n");
        return EXIT_RUNTIME;
    }
    char *text = NULL;
    tir_status st = tir_table_describe(e, file, verify, &text);
    int rc = exit_for(st);
    if (st != TIR_OK) {
        fprintf(stderr, "tirrun: error: %s\n", tir_engine_errmsg(e));
    } else if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "tirrun: writing output: %s\n", strerror(errno));
        rc = EXIT_RUNTIME;
    }
    free(text);
    tir_engine_free(e);
    return rc;
}
