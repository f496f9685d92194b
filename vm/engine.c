/*
** engine.c — the public API (include/tir.h): engine, compile, run, results.
** All state hangs off tir_engine / tir_program / tir_result; nothing global.
*/
#include <errno.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tir.h"
#include "ast.h"
#include "vm.h"
#include "import.h"
#include "confine.h"
#include "params.h"
#include "arrow.h"

/* A loaded CSV table kept for later runs; reused only while the file's size
** and modification time and the declared schema are unchanged. A native
** table stays open (mapped) while its file and deletion file are unchanged. */
typedef struct cached_table {
    char *key;                /* path + options + schema */
    off_t size;
    struct timespec mtime;
    vm_source src;
} cached_table;

struct tir_engine {
    tir_config cfg;
    vm_confine confine;
    char confine_err[512];    /* an allowed directory that could not be resolved */
    char *temp_dir;           /* spill files go here (NULL: $TMPDIR or /tmp) */
    cached_table *cache;
    int ncache, capcache;
    volatile int cancel;
    bool profile_time;
    _Atomic uint64_t rows_done, rows_total;
    vm_hostreg *hosts;        /* tables registered by the host (tir_arrow.h) */
    char err[2048];
};

struct tir_program {
    tir_engine *e;
    ir_arena arena;
    ir_diags diags;
    char *src;                /* owned copy: spans point into it */
    char *file;
    ir_program *prog;
    vm_plan *plan;
    tir_diag *pub;
    char *diag_text;
    char *explain;
    vm_binds binds;           /* values of the parameters, kept across runs */
    vm_hostrefs hosts;        /* registered tables it reads, held until it is freed */
};

typedef struct res_out {
    const char *name;
    vm_table *t;              /* borrowed from values[] */
    bool *nullable;
} res_out;

struct tir_result {
    char *profile;            /* rendered when the run ends */
    uint32_t batch;
    _Atomic uint64_t peak_bytes;
    vm_value *values;
    int nvalues;
    res_out *outs;
    size_t nouts;
};

const char *tir_type_name(tir_type t)
{
    static const char *const names[] = {"bool", "i32", "i64", "f64", "string", "date"};
    return (unsigned)t < TIR_NTYPES ? names[t] : "?";
}

const char *tir_status_name(tir_status s)
{
    switch (s) {
    case TIR_OK: return "ok";
    case TIR_ERR_COMPILE: return "compile error";
    case TIR_ERR_RUNTIME: return "runtime error";
    case TIR_ERR_DATA: return "data error";
    case TIR_ERR_IO: return "I/O error";
    case TIR_ERR_NOMEM: return "out of memory";
    case TIR_ERR_CANCELLED: return "cancelled";
    case TIR_ERR_ARG: return "bad argument";
    }
    return "?";
}

tir_engine *tir_engine_new(const tir_config *cfg)
{
    tir_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    if (cfg)
        e->cfg = *cfg;
    if (!vm_confine_init(&e->confine, e->cfg.allowed_dirs, e->cfg.read_only, e->confine_err, sizeof e->confine_err)) {
        if (errno == ENOMEM) {   /* not an engine that refuses every file */
            free(e);
            return NULL;
        }
        /* nothing is allowed then; every compile and import says why */
        static const char *const none[] = {NULL};
        vm_confine_init(&e->confine, none, true, NULL, 0);
    }
    e->cfg.allowed_dirs = NULL;   /* the caller's list need not outlive the engine */
    e->cfg.temp_dir = NULL;
    if (cfg && cfg->temp_dir && *cfg->temp_dir && !(e->temp_dir = strdup(cfg->temp_dir))) {
        vm_confine_free(&e->confine);
        free(e);
        return NULL;
    }
    if (!(e->hosts = vm_hostreg_new())) {
        vm_confine_free(&e->confine);
        free(e->temp_dir);
        free(e);
        return NULL;
    }
    if (e->cfg.batch_size == 0)
        e->cfg.batch_size = 2048;
    if (e->cfg.threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        e->cfg.threads = n > 0 ? (int)n : 1;
    }
    /* validity bitmaps of a batch start on a word boundary of the column */
    e->cfg.batch_size = (e->cfg.batch_size + 63) / 64 * 64;
    /* Without a limit a hostile input (a CSV from /dev/zero, a join that
    ** fans out) would grow until the kernel kills the process; like DuckDB,
    ** default to most of the machine's memory. */
    if (e->cfg.memory_limit == 0) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        e->cfg.memory_limit = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page / 10 * 8 : UINT64_MAX;
    }
    return e;
}

void tir_engine_clear_cache(tir_engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->ncache; i++) {
        free(e->cache[i].key);
        vm_source_free(&e->cache[i].src);
    }
    free(e->cache);
    e->cache = NULL;
    e->ncache = e->capcache = 0;
}

void tir_engine_free(tir_engine *e)
{
    if (!e)
        return;
    tir_engine_clear_cache(e);
    vm_hostreg_free(e->hosts);
    vm_confine_free(&e->confine);
    free(e->temp_dir);
    free(e);
}

static char *table_key(const ir_table *t)
{
    size_t n = strlen(t->path) + 64;
    for (int i = 0; i < t->schema.n; i++)
        n += strlen(t->schema.cols[i].name.s) + 16;
    char *k = malloc(n), *p = k;
    if (!k)
        return NULL;
    p += sprintf(p, "%s|%d|%c|%d|%s", t->path, t->native, t->delimiter, t->header, t->null_string ? t->null_string : "");
    for (int i = 0; i < t->schema.n; i++) {
        const ir_coltype *c = &t->schema.cols[i].ty;
        p += sprintf(p, "|%s:%d%d%d%d", t->schema.cols[i].name.s, c->type, c->nullable, c->unique, c->order);
    }
    return k;
}

static tir_status cache_load(void *ctx, const ir_table *t, vm_source *out, uint64_t budget, char *err,
                             size_t errlen)
{
    tir_engine *e = ctx;
    struct stat st;
    char *key = table_key(t);
    if (!key)
        return TIR_ERR_NOMEM;
    bool have_stat = stat(t->path, &st) == 0;
    for (int i = 0; i < e->ncache; i++) {
        cached_table *c = &e->cache[i];
        if (strcmp(c->key, key))
            continue;
        bool fresh = c->src.store ? !vm_store_stale(c->src.store)
                                  : have_stat && c->size == st.st_size && c->mtime.tv_sec == st.st_mtim.tv_sec &&
                                        c->mtime.tv_nsec == st.st_mtim.tv_nsec;
        if (fresh) {
            free(key);
            *out = c->src;
            return TIR_OK;
        }
        /* the file changed: drop the stale copy */
        free(c->key);
        vm_source_free(&c->src);
        e->cache[i] = e->cache[--e->ncache];
        break;
    }
    tir_status s = vm_load_table(t, out, budget, err, errlen);
    if (s || !have_stat) {
        free(key);
        return s;
    }
    if (e->ncache == e->capcache) {
        int cap = e->capcache ? e->capcache * 2 : 8;
        cached_table *c = realloc(e->cache, sizeof *c * (size_t)cap);
        if (!c) {
            free(key);
            vm_source_free(out);
            return TIR_ERR_NOMEM;
        }
        e->cache = c;
        e->capcache = cap;
    }
    e->cache[e->ncache++] = (cached_table){key, st.st_size, st.st_mtim, *out};
    return TIR_OK;
}

void tir_engine_set_profile(tir_engine *e, bool time_operators)
{
    if (e)
        e->profile_time = time_operators;
}

void tir_engine_cancel(tir_engine *e)
{
    if (e)
        __atomic_store_n(&e->cancel, 1, __ATOMIC_RELAXED); /* read by the run's workers */
}

void tir_engine_progress(const tir_engine *e, uint64_t *rows_done, uint64_t *rows_total)
{
    uint64_t d = e ? atomic_load(&e->rows_done) : 0, t = e ? atomic_load(&e->rows_total) : 0;
    if (d > t) /* read across the reset at the end of a run */
        d = t;
    if (rows_done)
        *rows_done = d;
    if (rows_total)
        *rows_total = t;
}

const char *tir_engine_errmsg(const tir_engine *e)
{
    return e ? e->err : "no engine";
}

static void engine_error(tir_engine *e, const char *msg)
{
    snprintf(e->err, sizeof e->err, "%s", msg);
}

/* Every failed call leaves a message, "out of memory" included. */
static tir_status nomem(tir_engine *e)
{
    engine_error(e, "out of memory");
    return TIR_ERR_NOMEM;
}

vm_hostreg *vm_engine_hosts(tir_engine *e)
{
    return e->hosts;
}

const ir_program *vm_program_ir(const tir_program *p)
{
    return p && p->plan ? p->prog : NULL;
}

tir_engine *vm_program_engine(const tir_program *p)
{
    return p->e;
}

/* What tir_result_arrow_stream exports outlives r: the rows move out. */
vm_table *vm_result_take_output(tir_result *r, size_t out, uint32_t *batch)
{
    if (!r || out >= r->nouts || !r->outs[out].t)
        return NULL;
    vm_table *t = r->outs[out].t, *moved = calloc(1, sizeof *moved);
    vm_column *fresh = calloc((size_t)t->ncols + 1, sizeof *fresh);
    if (!moved || !fresh) {
        free(moved);
        free(fresh);
        return NULL;
    }
    *moved = (vm_table){.ncols = t->ncols, .cols = t->cols, .nrows = t->nrows, .heap = t->heap};
    for (int c = 0; c < t->ncols; c++)
        vm_column_init(&fresh[c], t->types[c]);
    t->cols = fresh;
    t->nrows = 0;
    vm_strheap_init(&t->heap);
    *batch = r->batch;
    return moved;
}

void vm_engine_set_error(tir_engine *e, const char *msg)
{
    if (e)
        engine_error(e, msg);
}

bool vm_engine_may(const tir_engine *e, const char *path, bool write, char *err, size_t errlen)
{
    if (e->confine_err[0]) {
        snprintf(err, errlen, "%s", e->confine_err);
        errno = 0;
        return false;
    }
    return vm_confine_check(&e->confine, path, write, err, errlen);
}

static bool check_path(void *ctx, const char *path, bool write, char *err, size_t errlen)
{
    tir_program *p = ctx;
    bool ok = vm_engine_may(p->e, path, write, err, errlen);
    if (!ok && errno == ENOMEM)   /* not the program's fault */
        p->arena.nomem = true;
    return ok;
}

int vm_engine_threads(const tir_engine *e)
{
    return e->cfg.threads;
}

uint64_t vm_engine_memory_limit(const tir_engine *e)
{
    return e->cfg.memory_limit == UINT64_MAX ? 0 : e->cfg.memory_limit;
}

/* read_table without declared columns: the checker asks the file. */
static bool read_store_schema(void *ctx, ir_arena *a, const char *path, ir_schema *out, char *err, size_t errlen)
{
    (void)ctx;
    vm_store *s;
    tir_status st = vm_store_open(path, &s, err, errlen);
    if (st) {
        if (st == TIR_ERR_NOMEM)   /* not the program's fault */
            a->nomem = true;
        return false;
    }
    int n = vm_store_ncols(s);
    out->n = n;
    out->cols = IR_NEWN(a, ir_column, n ? n : 1);
    bool ok = out->cols != NULL;
    for (int c = 0; ok && c < n; c++) {
        const vm_store_colspec *sc = vm_store_col(s, c);
        ir_column *col = &out->cols[c];
        char *name = ir_alloc(a, strlen(sc->name) + 1);
        if (!(ok = name != NULL))
            break;
        strcpy(name, sc->name);
        col->name.s = name;
        col->ty = (ir_coltype){sc->type, sc->nullable, sc->unique, (ir_order)sc->order};
    }
    vm_store_close(s);
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    return true;
}

tir_status tir_compile(tir_engine *e, const char *file, const char *src, size_t len, tir_program **out)
{
    if (!e || !out || (!src && len))
        return TIR_ERR_ARG;
    *out = NULL;
    e->err[0] = 0;
    tir_program *p = calloc(1, sizeof *p);
    if (!p)
        return nomem(e);
    p->e = e;
    ir_arena_init(&p->arena);
    p->src = malloc(len + 1);
    p->file = strdup(file ? file : "<input>");
    if (!p->src || !p->file) {
        tir_program_free(p);
        return nomem(e);
    }
    if (len)
        memcpy(p->src, src, len);
    p->src[len] = 0;
    ir_diags_init(&p->diags, &p->arena, p->file, p->src, len);
    if (e->cfg.max_errors)
        p->diags.max_errors = e->cfg.max_errors;
    *out = p;
    bool ok = fe_parse(&p->arena, &p->diags, p->file, p->src, len, &p->prog) && p->prog;
    if (ok) {
        p->prog->read_schema = read_store_schema;
        p->prog->read_schema_ctx = e;
        p->prog->check_path = check_path;
        p->prog->check_path_ctx = p;
        p->hosts.reg = e->hosts;
        p->prog->resolve_host = vm_host_resolve;
        p->prog->resolve_host_ctx = &p->hosts;
        ok = tc_check(&p->arena, &p->diags, p->prog);
    }
    ok = ok && p->diags.nerrors == 0;
    p->diag_text = ir_diags_render(&p->diags);
    p->pub = calloc(p->diags.n ? p->diags.n : 1, sizeof *p->pub);
    if (!p->pub)
        return nomem(e);
    for (size_t i = 0; i < p->diags.n; i++) {
        const ir_diagnostic *d = &p->diags.items[i];
        p->pub[i].severity = d->severity;
        p->pub[i].file = p->file;
        p->pub[i].message = d->message;
        p->pub[i].line = d->line;
        p->pub[i].col = d->col;
    }
    /* Out of memory anywhere (a lost diagnostic included) is not a
    ** compile error: the diagnostics may say less than the program has. */
    if (p->arena.nomem || !p->diag_text)
        return nomem(e);
    if (!ok) {
        engine_error(e, p->diag_text[0] ? p->diag_text : "compile error");
        return TIR_ERR_COMPILE;
    }
    char err[512] = "";
    if (!vm_lower(&p->arena, p->prog, e->cfg.batch_size, &p->plan, err, sizeof err)) {
        engine_error(e, err);
        return p->arena.nomem ? TIR_ERR_NOMEM : TIR_ERR_COMPILE;
    }
    if (!vm_binds_init(&p->binds, p->prog)) {
        p->plan = NULL;   /* not runnable without room for its parameters */
        return nomem(e);
    }
    return TIR_OK;
}

void tir_program_free(tir_program *p)
{
    if (!p)
        return;
    vm_binds_free(&p->binds);
    vm_hostrefs_free(&p->hosts);
    ir_diags_free(&p->diags);
    ir_arena_free(&p->arena);
    free(p->pub);
    free(p->src);
    free(p->file);
    free(p);
}

size_t tir_program_ndiags(const tir_program *p)
{
    return p ? p->diags.n : 0;
}

const tir_diag *tir_program_diag(const tir_program *p, size_t i)
{
    return p && i < p->diags.n ? &p->pub[i] : NULL;
}

const char *tir_program_diag_text(const tir_program *p)
{
    return p && p->diag_text ? p->diag_text : "";
}

const char *tir_program_explain(tir_program *p)
{
    if (!p || !p->plan)
        return "";
    if (!p->explain)
        p->explain = vm_explain(&p->arena, p->plan);
    return p->explain ? p->explain : "";
}

/* ------------------------------------------------------------ parameters */

size_t tir_program_nparams(const tir_program *p)
{
    return p && p->plan ? (size_t)p->prog->nparams : 0;
}

static const ir_param *program_param(const tir_program *p, size_t i)
{
    return i < tir_program_nparams(p) ? p->prog->params[i] : NULL;
}

const char *tir_program_param_name(const tir_program *p, size_t i)
{
    const ir_param *prm = program_param(p, i);
    return prm ? prm->name.s : NULL;
}

tir_type tir_program_param_type(const tir_program *p, size_t i)
{
    const ir_param *prm = program_param(p, i);
    return prm ? prm->ty.type : TIR_NTYPES;
}

bool tir_program_param_nullable(const tir_program *p, size_t i)
{
    const ir_param *prm = program_param(p, i);
    return prm && prm->ty.nullable;
}

/* Binding needs a compiled program; messages go where tir_engine_errmsg reads. */
static tir_status bindable(tir_program *p)
{
    if (!p)
        return TIR_ERR_ARG;
    p->e->err[0] = 0;
    if (!p->plan) {
        engine_error(p->e, "the program did not compile");
        return TIR_ERR_COMPILE;
    }
    return TIR_OK;
}

static tir_status bind_value(tir_program *p, const char *name, vm_const v)
{
    tir_status st = bindable(p);
    return st ? st : vm_bind(&p->binds, name, &v, p->e->err, sizeof p->e->err);
}

tir_status tir_bind_bool(tir_program *p, const char *name, bool v)
{
    return bind_value(p, name, (vm_const){.type = TIR_BOOL, .i = v});
}

tir_status tir_bind_i32(tir_program *p, const char *name, int32_t v)
{
    return bind_value(p, name, (vm_const){.type = TIR_I32, .i = v});
}

tir_status tir_bind_i64(tir_program *p, const char *name, int64_t v)
{
    return bind_value(p, name, (vm_const){.type = TIR_I64, .i = v});
}

tir_status tir_bind_f64(tir_program *p, const char *name, double v)
{
    return bind_value(p, name, (vm_const){.type = TIR_F64, .f = v});
}

tir_status tir_bind_date(tir_program *p, const char *name, int32_t days)
{
    return bind_value(p, name, (vm_const){.type = TIR_DATE, .i = days});
}

tir_status tir_bind_null(tir_program *p, const char *name)
{
    return bind_value(p, name, (vm_const){.type = TIR_NTYPES, .is_null = true});
}

tir_status tir_bind_str(tir_program *p, const char *name, const char *s, size_t len)
{
    tir_status st = bindable(p);
    if (!st && !s && len) {
        engine_error(p->e, "tir_bind_str: NULL bytes (bind NULL with tir_bind_null)");
        st = TIR_ERR_ARG;
    }
    return st ? st : vm_bind_str(&p->binds, name, s, len, p->e->err, sizeof p->e->err);
}

tir_status tir_bind_text(tir_program *p, const char *name, const char *text, size_t len)
{
    tir_status st = bindable(p);
    if (!st && !text && len) {
        engine_error(p->e, "tir_bind_text: NULL text (bind NULL with tir_bind_null)");
        st = TIR_ERR_ARG;
    }
    return st ? st : vm_bind_text(&p->binds, name, text ? text : "", len, p->e->err, sizeof p->e->err);
}

void tir_clear_bindings(tir_program *p)
{
    if (p && p->plan)
        vm_binds_clear(&p->binds);
}

/* One line per pipeline (wall time) and per statement: rows it produced,
** or for a sink (aggregate, build_hash, hash_group_by) the rows it consumed. */
static char *render_profile(const vm_plan *plan, const uint64_t *rows, const double *ms, const uint64_t *ns,
                            const uint64_t *scan, const uint64_t *spill)
{
    size_t cap = 256, n = 0;
    for (int i = 0; i < plan->npipes; i++)
        cap += 240 * (size_t)(plan->pipes[i].ir->n + 1);
    char *s = malloc(cap);
    if (!s)
        return NULL;
    n += (size_t)snprintf(s + n, cap - n,
                          "profile: per pipeline its wall time and the rows read from its source; per statement %s"
                          "the rows it produced (rows consumed, for sinks)\n",
                          ns ? "its time (summed over workers) and " : "");
    int k = 0;
    for (int i = 0; i < plan->npipes; i++) {
        const ir_pipeline *pl = plan->pipes[i].ir;
        n += (size_t)snprintf(s + n, cap - n, "%-40.40s %12.3f ms %12llu rows read\n", pl->name.s, ms[i],
                              (unsigned long long)rows[k + pl->n]);
        const uint64_t *sc = scan + (size_t)i * VM_SCAN_NSTAT;
        if (plan->pipes[i].scan.native || plan->pipes[i].scan.nblooms)
            n += (size_t)snprintf(s + n, cap - n,
                                  "  scan: %llu blocks, %llu skipped by min-max, %llu by bloom; %.1f MB read; "
                                  "%llu rows read, %llu passed\n",
                                  (unsigned long long)sc[VM_SCAN_BLOCKS], (unsigned long long)sc[VM_SCAN_SKIP_MINMAX],
                                  (unsigned long long)sc[VM_SCAN_SKIP_BLOOM], (double)sc[VM_SCAN_BYTES] / 1e6,
                                  (unsigned long long)rows[k + pl->n], (unsigned long long)rows[k]);
        for (int j = 0; j < pl->n; j++, k++) {
            const ir_stmt *st = pl->stmts[j];
            bool sink = st->kind == IR_OP_AGGREGATE || st->kind == IR_OP_BUILD_HASH || st->kind == IR_OP_GROUP_BY;
            char what[96];
            snprintf(what, sizeof what, "%s = %s", st->target.s, st->op.s);
            char t[32] = "";
            if (ns)
                snprintf(t, sizeof t, "%12.3f ms", (double)ns[k] / 1e6);
            n += (size_t)snprintf(s + n, cap - n, "  %-38.38s %15s %12llu rows%s\n", what, t,
                                  (unsigned long long)rows[k], sink ? " in" : "");
            const uint64_t *sp = spill + (size_t)k * VM_SPILL_NSTAT;
            if (sp[VM_SPILL_FILES])
                n += (size_t)snprintf(s + n, cap - n, "    spilled: %.1f MB to %llu files, read back in %llu pass%s\n",
                                      (double)sp[VM_SPILL_BYTES] / 1e6, (unsigned long long)sp[VM_SPILL_FILES],
                                      (unsigned long long)sp[VM_SPILL_PASSES], sp[VM_SPILL_PASSES] == 1 ? "" : "es");
            if (sp[VM_SPILL_REL])
                n += (size_t)snprintf(s + n, cap - n, "    its relation held on disk: %.1f MB\n",
                                      (double)sp[VM_SPILL_REL] / 1e6);
        }
        k++; /* the rows-read slot */
    }
    return s;
}

const char *tir_result_profile(const tir_result *r)
{
    return r && r->profile ? r->profile : "";
}

/* A run of p; hook (may be NULL) hands an output over as it is made
** (vm_run_streamed) and brings the run's own cancel flag. */
static tir_status run_program(tir_program *p, tir_result **out, const vm_run_opts *hook)
{
    if (!p || !out)
        return TIR_ERR_ARG;
    *out = NULL;
    tir_engine *e = p->e;
    e->err[0] = 0;
    if (!p->plan) {
        engine_error(e, "the program did not compile");
        return TIR_ERR_COMPILE;
    }
    tir_status bst = vm_binds_check(&p->binds, e->err, sizeof e->err);
    if (bst)
        return bst;
    /* checked when compiled and again now: a link planted in between must
    ** not lead a run outside the allowed directories */
    const ir_program *prog = p->prog;
    char why[600];
    for (int i = 0; i < prog->ntables; i++)
        if (prog->tables[i]->path && !vm_engine_may(e, prog->tables[i]->path, false, why, sizeof why)) {
            tir_status st = errno == ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_IO;
            engine_error(e, why);
            return st;
        }
    for (int i = 0; i < prog->npipelines; i++)
        for (int j = 0; j < prog->pipelines[i]->n; j++) {
            const ir_stmt *s = prog->pipelines[i]->stmts[j];
            const char *w = s->kind == IR_OP_WRITE_TABLE ? s->u.write.path
                          : s->kind == IR_OP_DELETE      ? s->u.del.scan->u.scan.table->path
                                                         : NULL;
            if (w && !vm_engine_may(e, w, true, why, sizeof why)) {
                tir_status st = errno == ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_IO;
                engine_error(e, why);
                return st;
            }
        }
    if (!hook)
        __atomic_store_n(&e->cancel, 0, __ATOMIC_RELAXED);
    vm_plan *plan = p->plan;
    tir_result *r = calloc(1, sizeof *r);
    if (!r)
        return nomem(e);
    r->batch = plan->batch;
    r->nvalues = plan->nvals;
    r->values = calloc((size_t)(plan->nvals ? plan->nvals : 1), sizeof *r->values);
    r->nouts = (size_t)p->prog->noutputs;
    r->outs = calloc(r->nouts ? r->nouts : 1, sizeof *r->outs);
    if (!r->values || !r->outs) {
        tir_result_free(r);
        return nomem(e);
    }
    /* before the run: nothing may fail once a write_table or delete is done */
    for (size_t i = 0; i < r->nouts; i++) {
        const ir_output *po = &p->prog->outputs[i];
        r->outs[i].nullable = calloc((size_t)po->stmt->out.n + 1, sizeof(bool));
        if (!r->outs[i].nullable) {
            tir_result_free(r);
            return nomem(e);
        }
        for (int c = 0; c < po->stmt->out.n; c++)
            r->outs[i].nullable[c] = po->stmt->out.cols[c].ty.nullable;
    }
    int nstmts = 0;
    for (int i = 0; i < plan->npipes; i++)
        nstmts += plan->pipes[i].ir->n + 1;
    uint64_t *prof_rows = calloc((size_t)nstmts + 1, sizeof *prof_rows);
    double *prof_ms = calloc((size_t)plan->npipes + 1, sizeof *prof_ms);
    uint64_t *prof_ns = e->profile_time ? calloc((size_t)nstmts + 1, sizeof *prof_ns) : NULL;
    uint64_t *prof_scan = calloc((size_t)plan->npipes * VM_SCAN_NSTAT + 1, sizeof *prof_scan);
    uint64_t *prof_spill = calloc(((size_t)nstmts + 1) * VM_SPILL_NSTAT, sizeof *prof_spill);
    vm_spill *spill = e->cfg.no_spill ? NULL : vm_spill_new(e->temp_dir, e->cfg.spill_limit);
    if (!prof_rows || !prof_ms || !prof_scan || !prof_spill || (!e->cfg.no_spill && !spill) ||
        (e->profile_time && !prof_ns)) {
        vm_spill_free(spill);
        free(prof_spill);
        free(prof_scan);
        free(prof_rows);
        free(prof_ms);
        free(prof_ns);
        tir_result_free(r);
        return nomem(e);
    }
    vm_run_opts o = {.prof_rows = prof_rows, .prof_ms = prof_ms, .prof_ns = prof_ns, .prof_scan = prof_scan,
                     .prof_spill = prof_spill, .spill = spill, .force_spill = e->cfg.force_spill,
                     .no_pruning = e->cfg.no_pruning, .cancel = hook ? hook->cancel : &e->cancel, .memory_limit = e->cfg.memory_limit, .peak_bytes = &r->peak_bytes,
                     .rows_done = &e->rows_done, .rows_total = &e->rows_total,
                     .load = e->cfg.no_table_cache ? NULL : cache_load, .load_ctx = e,
                     .threads = e->cfg.threads, .params = p->binds.vals,
                     .stream_stmt = hook ? hook->stream_stmt : NULL, .stream_rows = hook ? hook->stream_rows : NULL,
                     .stream_ctx = hook ? hook->stream_ctx : NULL};
    atomic_store(&e->rows_done, 0);
    atomic_store(&e->rows_total, 0);
    tir_status st = vm_execute(plan, &o, r->values, e->err, sizeof e->err);
    atomic_store(&e->rows_done, 0);
    atomic_store(&e->rows_total, 0);
    if (!st)
        r->profile = render_profile(plan, prof_rows, prof_ms, prof_ns, prof_scan, prof_spill);
    vm_spill_free(spill);   /* every file is closed by now, on success or not */
    free(prof_spill);
    free(prof_scan);
    free(prof_rows);
    free(prof_ms);
    free(prof_ns);
    if (st) {
        tir_result_free(r);
        if (st == TIR_ERR_NOMEM && !e->err[0])
            engine_error(e, "out of memory");
        return st;
    }
    for (size_t i = 0; i < r->nouts; i++) {
        const ir_output *po = &p->prog->outputs[i];
        int vi = vm_plan_value_index(plan, po->stmt);
        r->outs[i].name = po->name;
        r->outs[i].t = vi >= 0 ? r->values[vi].rel : NULL;
        if (!r->outs[i].t) {
            engine_error(e, "internal error: an output was not produced");
            tir_result_free(r);
            return TIR_ERR_RUNTIME;
        }
    }
    *out = r;
    return TIR_OK;
}

tir_status tir_run(tir_program *p, tir_result **out)
{
    return run_program(p, out, NULL);
}

/* Whether a pipeline reads s's relation (then it must be kept whole). */
static bool read_by_pipeline(const ir_program *prog, const ir_stmt *s)
{
    for (int i = 0; i < prog->npipelines; i++)
        for (int j = 0; j < prog->pipelines[i]->n; j++) {
            const ir_stmt *t = prog->pipelines[i]->stmts[j];
            if ((t->kind == IR_OP_SCAN && t->u.scan.src_stmt == s) ||
                (t->kind == IR_OP_MERGE_JOIN && t->u.mjoin.rstmt == s))
                return true;
            for (int k = 0; t->kind == IR_OP_UNION && k < t->u.uni.n; k++)
                if (t->u.uni.in[k].rel == s)
                    return true;
        }
    return false;
}

tir_status vm_run_streamed(tir_program *p, size_t out, tir_status (*rows)(void *ctx, vm_table *t), void *ctx,
                           volatile int *cancel, tir_result **res)
{
    const ir_stmt *s = p && p->plan && out < (size_t)p->prog->noutputs ? p->prog->outputs[out].stmt : NULL;
    vm_run_opts hook = {.cancel = cancel, .stream_rows = rows, .stream_ctx = ctx,
                        .stream_stmt = s && !read_by_pipeline(p->prog, s) ? s : NULL};
    return run_program(p, res, &hook);
}

void tir_result_free(tir_result *r)
{
    if (!r)
        return;
    for (int i = 0; r->values && i < r->nvalues; i++)
        vm_value_free(&r->values[i]);
    for (size_t i = 0; r->outs && i < r->nouts; i++)
        free(r->outs[i].nullable);
    free(r->values);
    free(r->outs);
    free(r->profile);
    free(r);
}

uint64_t tir_result_peak_bytes(const tir_result *r)
{
    return r ? atomic_load(&r->peak_bytes) : 0;
}

size_t tir_result_noutputs(const tir_result *r)
{
    return r ? r->nouts : 0;
}

static const vm_table *out_table(const tir_result *r, size_t out)
{
    return r && out < r->nouts ? r->outs[out].t : NULL;
}

const char *tir_result_output_name(const tir_result *r, size_t out)
{
    return r && out < r->nouts ? r->outs[out].name : NULL;
}

size_t tir_result_ncols(const tir_result *r, size_t out)
{
    const vm_table *t = out_table(r, out);
    return t ? (size_t)t->ncols : 0;
}

const char *tir_result_col_name(const tir_result *r, size_t out, size_t col)
{
    const vm_table *t = out_table(r, out);
    return t && col < (size_t)t->ncols ? t->names[col] : NULL;
}

tir_type tir_result_col_type(const tir_result *r, size_t out, size_t col)
{
    const vm_table *t = out_table(r, out);
    return t && col < (size_t)t->ncols ? t->types[col] : TIR_NTYPES;
}

bool tir_result_col_nullable(const tir_result *r, size_t out, size_t col)
{
    const vm_table *t = out_table(r, out);
    return t && col < (size_t)t->ncols && r->outs[out].nullable[col];
}

uint64_t tir_result_nrows(const tir_result *r, size_t out)
{
    const vm_table *t = out_table(r, out);
    return t ? t->nrows : 0;
}

size_t tir_result_nbatches(const tir_result *r, size_t out)
{
    const vm_table *t = out_table(r, out);
    return t ? (size_t)((t->nrows + r->batch - 1) / r->batch) : 0;
}

uint32_t tir_result_batch_rows(const tir_result *r, size_t out, size_t b)
{
    const vm_table *t = out_table(r, out);
    if (!t || b >= tir_result_nbatches(r, out))
        return 0;
    uint64_t off = (uint64_t)b * r->batch;
    uint64_t left = t->nrows - off;
    return left < r->batch ? (uint32_t)left : r->batch;
}

const void *tir_result_batch_data(const tir_result *r, size_t out, size_t b, size_t col)
{
    const vm_table *t = out_table(r, out);
    if (!t || col >= (size_t)t->ncols || b >= tir_result_nbatches(r, out))
        return NULL;
    const vm_column *c = &t->cols[col];
    return (const char *)c->data + (uint64_t)b * r->batch * vm_type_width(c->type);
}

const uint64_t *tir_result_batch_validity(const tir_result *r, size_t out, size_t b, size_t col)
{
    const vm_table *t = out_table(r, out);
    if (!t || col >= (size_t)t->ncols || b >= tir_result_nbatches(r, out))
        return NULL;
    const vm_column *c = &t->cols[col];
    return c->validity ? c->validity + (uint64_t)b * r->batch / 64 : NULL;
}
