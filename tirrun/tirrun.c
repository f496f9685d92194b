/*
** tirrun.c — the command-line client: reads a .tir file (or a program's
** JSON form, a .json file), compiles it, runs it and prints its outputs or
** prints the program in its other form (--emit-json, --emit-tir); without
** a file (or with -i) it starts the interactive session of repl.c. A thin
** client of tir.h and nothing else, so it doubles as the reference for how
** an embedder drives the engine.
**
** Exit status: 0 success, 1 runtime / data / I/O error, 2 usage or compile
** error.
*/
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tir.h"
#include "tir_arrow.h"
#include "format.h"
#include "repl.h"
#include "import.h"

/* Set by the build from the project version; the fallback matches
** meson.build for builds that do not pass it. */
#ifndef TIR_VERSION
#define TIR_VERSION "0.1.0"
#endif

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

typedef struct options {
    const char *file;
    fmt_kind format;
    tir_config cfg;
    bool explain;
    int emit;                 /* --emit-json: 'j', --emit-tir: 't', else 0 */
    bool timer;
    bool profile;
    bool interactive;         /* the REPL: no FILE, or -i */
    unsigned repeat;          /* runs; outputs of the last are printed */
    const char **dirs;        /* --allow-dir values, NULL-terminated (cfg.allowed_dirs) */
    int ndirs;
    const char **params;      /* --param NAME=VALUE, or NAME for --param-null (param_null) */
    bool *param_null;
    int nparams;
} options;

/* The one piece of process state: the SIGINT handler needs to know which
** engine to cancel. tir_engine_cancel() is documented as signal-safe. */
static tir_engine *volatile running_engine;

static void on_sigint(int sig)
{
    (void)sig;
    if (running_engine != NULL)
        tir_engine_cancel(running_engine);
}

static void usage(FILE *f)
{
    fputs("usage: tirrun [options] FILE.tir|FILE.json\n"
          "       tirrun [options] [-i [FILE.tir]]\n"
          "       tirrun import [options] IN.csv OUT.tirt   (tirrun import --help)\n"
          "       tirrun describe [--verify] TABLE.tirt\n"
          "\n"
          "Compiles and runs a tir program and prints its outputs. Without FILE,\n"
          "or with -i, starts an interactive session (after reading FILE). A FILE\n"
          "named *.json holds a program in its JSON form (docs/EMBEDDING.md).\n"
          "\n"
          "options:\n"
          "  -i, --interactive        interactive session (.help lists its commands)\n"
          "  --format table|csv|json|markdown  output format (default: table)\n"
          "  --threads N              worker threads (default 0: one per core)\n"
          "  --batch-size N           rows per batch (default 0: engine default)\n"
          "  --memory-limit SIZE      stop a run that holds more than SIZE bytes (suffix K, M or G:\n"
          "                           binary units; default: 80% of the machine's memory)\n"
          "  --temp-dir DIR           where group-bys, joins and sorts over the memory limit spill\n"
          "                           (default: $TMPDIR, else /tmp; the files are unlinked from the start)\n"
          "  --spill-limit SIZE       most bytes of spill files at once (default: 90% of the free space)\n"
          "  --no-spill               fail at the memory limit instead of spilling\n"
          "  --force-spill            group-bys, hash joins and sorts spill after every batch (results are\n"
          "                           the same; for checking spilling)\n"
          "  --fixed-order            run a filter's conjuncts in their written order (by default those\n"
          "                           that cannot fail are reordered as they run, cheapest first)\n"
          "  --allow-dir DIR          read and write tables only under DIR (repeatable; symlinks and\n"
          "                           .. resolved first)\n"
          "  --param NAME=VALUE       bind parameter $NAME, VALUE read as its declared type\n"
          "                           (repeatable; dates YYYY-MM-DD, timestamps YYYY-MM-DDTHH:MM:SS[.ffffff];\n"
          "                           intervals \"1 month 2 days 03:00:00\"; a string as it is)\n"
          "  --param-null NAME        bind parameter $NAME to NULL (it must be declared nullable)\n"
          "  --read-only              refuse write_table and delete\n"
          "  --error-limit N          compile errors shown before \"too many errors\" (default 20)\n"
          "  --explain                print the typed program and bytecode; do not run\n"
          "  --emit-json              print the program in its JSON form; do not run\n"
          "  --emit-tir               print the program as .tir text; do not run\n"
          "  --timer                  print the run time and peak memory to stderr\n"
          "  --profile                print rows per statement and time per pipeline to stderr\n"
          "  --no-prune               read every block of native tables, drop no row by bloom filter\n"
          "                           (results are the same; for checking and measuring pruning)\n"
          "  --repeat N               run N times (tables stay loaded after the first run);\n"
          "                           with --timer, prints each run and the median of runs 2..N\n"
          "  -h, --help               show this help\n"
          "  --version                show the version\n"
          "\n"
          "exit status: 0 ok, 1 runtime or data error, 2 usage or compile error\n", f);
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

/* A byte count with an optional K, M or G suffix (powers of 1024). */
bool tirrun_parse_size(const char *s, unsigned long long *out)
{
    char num[32];
    size_t len = strlen(s);
    unsigned shift = 0;
    if (len > 0 && len < sizeof num) {
        char last = s[len - 1];
        shift = last == 'K' || last == 'k' ? 10 : last == 'M' || last == 'm' ? 20 : last == 'G' || last == 'g' ? 30 : 0;
    }
    if (len == 0 || len >= sizeof num)
        return false;
    memcpy(num, s, len + 1);
    if (shift)
        num[len - 1] = '\0';
    unsigned long long v;
    if (!parse_uint(num, UINT64_MAX >> shift, &v))
        return false;
    *out = v << shift;
    return true;
}

static bool opt_is(const char *arg, size_t namelen, const char *name)
{
    return namelen == strlen(name) && strncmp(arg, name, namelen) == 0;
}

/* Returns -1 to go on, otherwise the exit status. Accepts "--opt value" and
** "--opt=value". */
static int parse_args(int argc, char **argv, options *o)
{
    bool only_files = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = NULL;
        size_t namelen;
        unsigned long long n;

        if (only_files || arg[0] != '-' || arg[1] == '\0') {
            if (o->file != NULL) {
                fprintf(stderr, "tirrun: only one FILE may be given\n");
                usage(stderr);
                return EXIT_USAGE;
            }
            o->file = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_files = true;
            continue;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return EXIT_SUCCESS;
        }
        if (strcmp(arg, "--version") == 0) {
            printf("tirrun %s (library %s; kernels: %s)\n", TIR_VERSION, tir_version(), tir_kernels());
            return EXIT_SUCCESS;
        }
        if (strcmp(arg, "--explain") == 0) {
            o->explain = true;
            continue;
        }
        if (strcmp(arg, "--emit-json") == 0 || strcmp(arg, "--emit-tir") == 0) {
            o->emit = arg[7] == 'j' ? 'j' : 't';
            continue;
        }
        if (strcmp(arg, "-i") == 0 || strcmp(arg, "--interactive") == 0) {
            o->interactive = true;
            continue;
        }
        if (strcmp(arg, "--timer") == 0) {
            o->timer = true;
            continue;
        }
        if (strcmp(arg, "--profile") == 0) {
            o->profile = true;
            continue;
        }
        if (strcmp(arg, "--no-prune") == 0) {
            o->cfg.no_pruning = true;
            continue;
        }
        if (strcmp(arg, "--read-only") == 0) {
            o->cfg.read_only = true;
            continue;
        }
        if (strcmp(arg, "--no-spill") == 0) {
            o->cfg.no_spill = true;
            continue;
        }
        if (strcmp(arg, "--force-spill") == 0) {
            o->cfg.force_spill = true;
            continue;
        }
        if (strcmp(arg, "--fixed-order") == 0) {
            o->cfg.fixed_order = true;
            continue;
        }

        namelen = strcspn(arg, "=");
        if (arg[namelen] == '=')
            val = arg + namelen + 1;
        if (!opt_is(arg, namelen, "--format") && !opt_is(arg, namelen, "--threads") &&
            !opt_is(arg, namelen, "--batch-size") && !opt_is(arg, namelen, "--repeat") &&
            !opt_is(arg, namelen, "--memory-limit") && !opt_is(arg, namelen, "--error-limit") &&
            !opt_is(arg, namelen, "--allow-dir") && !opt_is(arg, namelen, "--temp-dir") &&
            !opt_is(arg, namelen, "--spill-limit") && !opt_is(arg, namelen, "--param") &&
            !opt_is(arg, namelen, "--param-null")) {
            fprintf(stderr, "tirrun: unknown option '%s'\n", arg);
            usage(stderr);
            return EXIT_USAGE;
        }
        if (val == NULL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tirrun: option '%s' needs a value\n", arg);
                usage(stderr);
                return EXIT_USAGE;
            }
            val = argv[++i];
        }
        if (opt_is(arg, namelen, "--format")) {
            if (!fmt_parse_kind(val, &o->format)) {
                fprintf(stderr, "tirrun: unknown format '%s' (table, csv, json or markdown)\n", val);
                return EXIT_USAGE;
            }
        } else if (opt_is(arg, namelen, "--repeat")) {
            if (!parse_uint(val, 1000000, &n) || n == 0) {
                fprintf(stderr, "tirrun: --repeat needs a number >= 1, not '%s'\n", val);
                return EXIT_USAGE;
            }
            o->repeat = (unsigned)n;
        } else if (opt_is(arg, namelen, "--threads")) {
            if (!parse_uint(val, INT_MAX, &n)) {
                fprintf(stderr, "tirrun: --threads needs a number >= 0, not '%s'\n", val);
                return EXIT_USAGE;
            }
            o->cfg.threads = (int)n;
        } else if (opt_is(arg, namelen, "--memory-limit")) {
            if (!tirrun_parse_size(val, &n)) {
                fprintf(stderr, "tirrun: --memory-limit needs a byte count such as 500M or 2G, not '%s'\n", val);
                return EXIT_USAGE;
            }
            o->cfg.memory_limit = n;
        } else if (opt_is(arg, namelen, "--spill-limit")) {
            if (!tirrun_parse_size(val, &n) || n == 0) {
                fprintf(stderr, "tirrun: --spill-limit needs a byte count such as 500M or 2G, not '%s'\n", val);
                return EXIT_USAGE;
            }
            o->cfg.spill_limit = n;
        } else if (opt_is(arg, namelen, "--temp-dir")) {
            o->cfg.temp_dir = val;
        } else if (opt_is(arg, namelen, "--allow-dir")) {
            if (!o->dirs && !(o->dirs = calloc((size_t)argc + 1, sizeof *o->dirs))) {
                fprintf(stderr, "tirrun: out of memory\n");
                return EXIT_RUNTIME;
            }
            o->dirs[o->ndirs++] = val;
            o->cfg.allowed_dirs = o->dirs;
        } else if (opt_is(arg, namelen, "--param") || opt_is(arg, namelen, "--param-null")) {
            bool null = opt_is(arg, namelen, "--param-null");
            if (!null && !strchr(val, '=')) {
                fprintf(stderr, "tirrun: --param needs NAME=VALUE, not '%s' (NULL: --param-null NAME)\n", val);
                return EXIT_USAGE;
            }
            if (!o->params && (!(o->params = calloc((size_t)argc, sizeof *o->params)) ||
                               !(o->param_null = calloc((size_t)argc, sizeof *o->param_null)))) {
                fprintf(stderr, "tirrun: out of memory\n");
                return EXIT_RUNTIME;
            }
            o->param_null[o->nparams] = null;
            o->params[o->nparams++] = val;
        } else if (opt_is(arg, namelen, "--error-limit")) {
            if (!parse_uint(val, UINT32_MAX, &n) || n == 0) {
                fprintf(stderr, "tirrun: --error-limit needs a number >= 1, not '%s'\n", val);
                return EXIT_USAGE;
            }
            o->cfg.max_errors = (uint32_t)n;
        } else {
            if (!parse_uint(val, UINT32_MAX, &n)) {
                fprintf(stderr, "tirrun: --batch-size needs a number >= 0, not '%s'\n", val);
                return EXIT_USAGE;
            }
            o->cfg.batch_size = (uint32_t)n;
        }
    }
    if (o->file == NULL)
        o->interactive = true;
    return -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reads the whole file into a malloc'd buffer; NULL with errno set on failure. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        size_t got;
        if (n == cap) {
            char *nb;
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int err = errno;
        free(buf);
        fclose(f);
        errno = err ? err : EIO;
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* tir_run_each's taker of the first output's rows, as CSV or JSON. */
typedef struct out_stream {
    FILE *f;
    fmt_kind kind;
    bool print;          /* this run's rows are printed (else dropped) */
    bool header_done;    /* the output's header is out */
    bool failed;         /* writing failed (err): the run was stopped */
    int err;
    double writing;      /* seconds spent writing, left out of the run's time */
} out_stream;

static tir_status stream_rows(void *ctx, const tir_result *rows)
{
    out_stream *cs = ctx;
    if (!cs->print)
        return TIR_OK;
    double t0 = now_seconds();
    fmt_opts fo = {.kind = cs->kind, .headless = cs->header_done, .open_end = true};
    bool ok = fmt_result_opts(cs->f, rows, &fo);
    cs->writing += now_seconds() - t0;
    cs->header_done = true;
    if (!ok) {
        cs->failed = true;
        cs->err = errno;
        return TIR_ERR_IO;
    }
    return TIR_OK;
}

/* Diagnostics text may or may not end in a newline; the terminal should. */
static void print_block(FILE *f, const char *text)
{
    size_t n;
    if (text == NULL || (n = strlen(text)) == 0)
        return;
    fputs(text, f);
    if (text[n - 1] != '\n')
        fputc('\n', f);
}

/* --param and --param-null, in the order given (a later one rebinds). */
static bool bind_params(const options *o, tir_program *p)
{
    for (int i = 0; i < o->nparams; i++) {
        const char *arg = o->params[i];
        if (o->param_null[i]) {
            if (tir_bind_null(p, arg) != TIR_OK)
                return false;
            continue;
        }
        size_t namelen = strcspn(arg, "=");
        char *name = strndup(arg, namelen);
        tir_status st = name ? tir_bind_text(p, name, arg + namelen + 1, strlen(arg + namelen + 1)) : TIR_ERR_NOMEM;
        free(name);
        if (st != TIR_OK)
            return false;
    }
    return true;
}

bool tirrun_is_json(const char *file)
{
    size_t n = strlen(file);
    return n >= 5 && strcmp(file + n - 5, ".json") == 0;
}

/* --emit-json / --emit-tir: the program as parsed, checked or not. */
static int emit(const options *o, tir_program *p)
{
    char *text = NULL;
    tir_status st = o->emit == 'j' ? tir_program_to_json(p, &text) : tir_program_to_text(p, &text);
    if (st != TIR_OK) {
        print_block(stderr, tir_program_errmsg(p));
        tir_program_free(p);
        return st == TIR_ERR_COMPILE ? EXIT_USAGE : EXIT_RUNTIME;
    }
    fputs(text, stdout);
    free(text);
    tir_program_free(p);
    return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_RUNTIME;
}

static int run(const options *o, tir_engine *e)
{
    tir_program *p = NULL;
    tir_result *res = NULL;
    tir_status st;
    char *src;
    size_t len = 0;
    double t0, elapsed;
    int rc = EXIT_SUCCESS;

    src = read_file(o->file, &len);
    if (src == NULL) {
        fprintf(stderr, "tirrun: cannot read '%s': %s\n", o->file, strerror(errno));
        return EXIT_USAGE;
    }
    st = tirrun_is_json(o->file) ? tir_compile_json(e, o->file, src, len, &p) : tir_compile(e, o->file, src, len, &p);
    free(src);
    if (o->emit && p != NULL)
        return emit(o, p);
    if (p != NULL)
        print_block(stderr, tir_program_diag_text(p));
    if (st == TIR_ERR_COMPILE) {
        size_t nerr = 0;
        for (size_t i = 0; p != NULL && i < tir_program_ndiags(p); i++)
            nerr += tir_program_diag(p, i)->severity == TIR_SEV_ERROR;
        if (nerr == 0)   /* failed after checking, e.g. in lowering */
            fprintf(stderr, "tirrun: error: %s\n", tir_program_errmsg(p));
        tir_program_free(p);
        return EXIT_USAGE;
    }
    if (st != TIR_OK || p == NULL) {
        fprintf(stderr, "tirrun: error: %s\n", tir_engine_errmsg(e));
        tir_program_free(p);
        return EXIT_RUNTIME;
    }

    if (o->explain) {
        print_block(stdout, tir_program_explain(p));
        tir_program_free(p);
        return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_RUNTIME;
    }
    if (!bind_params(o, p)) {
        fprintf(stderr, "tirrun: error: %s\n", tir_program_errmsg(p));
        tir_program_free(p);
        return EXIT_USAGE;
    }

    /* CSV and JSON are written as the run makes them (tir_run_each): the
    ** first output need not fit in memory, and its rows come while the run
    ** goes on */
    bool stream = (o->format == FMT_CSV || o->format == FMT_JSON) && tir_program_noutputs(p) > 0;
    out_stream cs = {.f = stdout, .kind = o->format};
    unsigned runs = o->repeat ? o->repeat : 1;
    double *times = calloc(runs, sizeof *times);
    if (!times) {
        tir_program_free(p);
        return EXIT_RUNTIME;
    }
    st = TIR_OK;
    elapsed = 0;
    for (unsigned k = 0; k < runs && st == TIR_OK; k++) {
        tir_result_free(res);
        res = NULL;
        cs.print = k + 1 == runs;   /* the outputs of the last run are printed */
        cs.writing = 0;
        t0 = now_seconds();
        st = stream ? tir_run_each(p, 0, stream_rows, &cs, &res) : tir_run(p, &res);
        elapsed = times[k] = now_seconds() - t0 - cs.writing;
        if (o->timer && runs > 1 && st == TIR_OK)
            fprintf(stderr, "Run %u: %.6f s\n", k + 1, times[k]);
    }
    if (o->timer && runs > 2 && st == TIR_OK) {
        qsort(times + 1, runs - 1, sizeof *times, cmp_double);
        fprintf(stderr, "Median of runs 2..%u: %.6f s\n", runs, times[1 + (runs - 1) / 2]);
    }
    free(times);
    if (cs.failed) {
        fprintf(stderr, "tirrun: writing output: %s\n", strerror(cs.err));
        rc = EXIT_RUNTIME;
    } else if (st != TIR_OK) {
        fprintf(stderr, "tirrun: error: %s\n", tir_program_errmsg(p));
        rc = st == TIR_ERR_ARG ? EXIT_USAGE : EXIT_RUNTIME;   /* e.g. a parameter not given */
    } else if (!fmt_result_opts(stdout, res, &(fmt_opts){.kind = o->format, .headless = cs.header_done})) {
        fprintf(stderr, "tirrun: writing output: %s\n", strerror(errno));
        rc = EXIT_RUNTIME;
    }
    /* After the outputs, so a terminal shows it last. */
    if (o->profile && res)
        fputs(tir_result_profile(res), stderr);
    if (o->timer && res)
        fprintf(stderr, "Run Time: %.3f s, peak memory %.1f MiB\n", elapsed,
                (double)tir_result_peak_bytes(res) / (1024.0 * 1024.0));
    else if (o->timer)
        fprintf(stderr, "Run Time: %.3f s\n", elapsed);
    tir_result_free(res);
    tir_program_free(p);
    return rc;
}

int main(int argc, char **argv)
{
    options o = { .format = FMT_TABLE };
    struct sigaction sa, old;
    tir_engine *e;
    int rc;

    if (argc > 1 && strcmp(argv[1], "import") == 0)
        return import_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "describe") == 0)
        return import_describe_main(argc - 1, argv + 1);
    rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;

    e = tir_engine_new(&o.cfg);
    free(o.dirs);   /* the engine keeps its own copy */
    if (e == NULL) {
        fprintf(stderr, "tirrun: out of memory\n");
        return EXIT_RUNTIME;
    }
    tir_engine_set_profile(e, o.profile);
    if (o.interactive) {
        /* The session installs its own Ctrl-C handling: cancel, not exit. */
        repl_options ro = { .format = o.format, .timer = o.timer, .file = o.file };
        rc = repl_main(e, &ro);
        tir_engine_free(e);
        free(o.params);
        free(o.param_null);
        return rc;
    }
    /* The first Ctrl-C cancels the run at the next batch boundary; a
    ** second one (SA_RESETHAND) kills tirrun the usual way. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    running_engine = e;
    sigaction(SIGINT, &sa, &old);
    if (old.sa_handler == SIG_IGN)   /* started in the background: stay deaf */
        sigaction(SIGINT, &old, NULL);

    rc = run(&o, e);
    free(o.params);
    free(o.param_null);

    signal(SIGINT, SIG_DFL);
    running_engine = NULL;
    tir_engine_free(e);
    return rc;
}
