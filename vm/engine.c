/*
** engine.c — the public API (include/tir.h): engine, compile, run, results.
** All state hangs off tir_engine / tir_program / tir_result; nothing global.
*/
#include <errno.h>
#include <pthread.h>
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
#include "par.h"
#include "csv.h"
#include "decimal.h"
#include "arrow.h"

/* A loaded CSV table kept for later runs; reused only while the file's size
** and modification time and the declared schema are unchanged. A native
** table stays open (mapped) while its file and deletion file are unchanged. */
typedef struct cached_table {
    char *key;                /* path + options + schema */
    off_t size;
    struct timespec mtime;
    vm_source src;
    /* Out of the cache (its file changed, or the cache was cleared) while a
    ** run may still read it: never found again, freed when no run is left. */
    bool retired;
} cached_table;

/* The message of a thread's last failed call on the engine; a thread has
** one only while its last call failed, so the table holds no more entries
** than threads whose last call failed. */
typedef struct thread_msg {
    pthread_t thread;
    char *msg;                /* malloc'd; NULL when out of memory */
} thread_msg;

/* Several threads may compile and run programs on one engine at once: what
** they share (the table cache, the list of runs, the messages) is
** guarded by lock; everything a run changes otherwise is its program's. */
struct tir_engine {
    tir_config cfg;
    vm_confine confine;
    char confine_err[512];    /* an allowed directory that could not be resolved */
    char *temp_dir;           /* spill files go here (NULL: $TMPDIR or /tmp) */
    pthread_mutex_t lock;
    cached_table *cache;
    int ncache, capcache;
    tir_program *running;     /* programs in tir_run now, linked by run_next */
    vm_pool *pool;            /* worker threads shared by the engine's runs */
    /* Set by tir_engine_cancel (signal-safe: one atomic store); every run
    ** in progress stops, or the next run started if none is; cleared when
    ** the last run ends, so a cancel is never lost between runs. */
    atomic_int cancel;
    _Atomic bool profile_time;
    vm_hostreg *hosts;        /* tables registered by the host (tir_arrow.h) */
    thread_msg *msgs;         /* per calling thread (tir_engine_errmsg) */
    int nmsgs, capmsgs;
    /* Programs freed by the host but held by live streams keep the engine
    ** too: it is released when freed and the last hold is dropped. */
    int holds;
    bool freed;
};

struct tir_program {
    tir_engine *e;
    tir_program *run_next;    /* in e->running while tir_run runs it */
    bool running;
    int holds;                /* live streams open on it (under e->lock) */
    bool freed;               /* tir_program_free was called while held */
    atomic_int cancel;        /* tir_program_cancel: this program's run (or next run) */
    _Atomic uint64_t rows_done, rows_total;
    char err[2048];           /* the message of its last failed call */
    ir_arena arena;
    ir_diags diags;
    char *src;                /* owned copy: spans point into it (a JSON program's: jansson reads it) */
    char *file;
    size_t srclen;
    bool json;                /* compiled by tir_compile_json */
    ir_program *prog;
    vm_plan *plan;
    tir_diag *pub;
    char *diag_text;
    char *explain;
    vm_binds binds;           /* values of the parameters, kept across runs */
    vm_hostrefs hosts;        /* registered tables it reads, held until it is freed */
};

typedef struct res_out {
    char *name;               /* owned: the result outlives its program */
    vm_table *t;              /* borrowed from values[] */
    bool *nullable;
    uint16_t *dec;            /* per column: precision << 8 | scale of a decimal, else 0 */
    tir_type *type;           /* per column: the type programs see (a decimal or timestamp is held as i64) */
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
    static const char *const names[] = {"bool", "i32", "i64", "f64", "string", "date", "decimal", "timestamp", "decimal128", "interval"};
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
    if (pthread_mutex_init(&e->lock, NULL)) {
        vm_hostreg_free(e->hosts);
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
    if (!(e->pool = vm_pool_new(e->cfg.threads - 1, e->cfg.external_threads))) {
        pthread_mutex_destroy(&e->lock);
        vm_hostreg_free(e->hosts);
        vm_confine_free(&e->confine);
        free(e->temp_dir);
        free(e);
        return NULL;
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

/* Entry i leaves the cache: freed now, or marked and freed once no run
** can be reading it (free_retired). Called with e->lock held. */
static void retire_table(tir_engine *e, int i)
{
    if (e->running) {
        e->cache[i].retired = true;
        return;
    }
    free(e->cache[i].key);
    vm_source_free(&e->cache[i].src);
    e->cache[i] = e->cache[--e->ncache];
}

static void free_retired(tir_engine *e)
{
    for (int i = e->ncache - 1; i >= 0; i--)
        if (e->cache[i].retired)
            retire_table(e, i);
}

void tir_engine_clear_cache(tir_engine *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->lock);
    for (int i = e->ncache - 1; i >= 0; i--)
        retire_table(e, i);
    pthread_mutex_unlock(&e->lock);
}

tir_status tir_engine_lend_thread(tir_engine *e)
{
    if (!e || !e->cfg.external_threads)
        return TIR_ERR_ARG;
    vm_pool_lend(e->pool);
    return TIR_OK;
}

int tir_engine_lent_threads(tir_engine *e)
{
    return e ? vm_pool_lent(e->pool) : 0;
}

static void engine_destroy(tir_engine *e)
{
    tir_engine_clear_cache(e);
    free(e->cache);
    vm_pool_free(e->pool);
    pthread_mutex_destroy(&e->lock);
    vm_hostreg_free(e->hosts);
    vm_confine_free(&e->confine);
    free(e->temp_dir);
    for (int i = 0; i < e->nmsgs; i++)
        free(e->msgs[i].msg);
    free(e->msgs);
    free(e);
}

void tir_engine_free(tir_engine *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->lock);
    bool held = e->holds > 0;
    e->freed = held;
    pthread_mutex_unlock(&e->lock);
    if (!held)
        engine_destroy(e);
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

static bool grow_cache(tir_engine *e)
{
    int cap = e->capcache ? e->capcache * 2 : 8;
    cached_table *c = realloc(e->cache, sizeof *c * (size_t)cap);
    if (!c)
        return false;
    e->cache = c;
    e->capcache = cap;
    return true;
}

/* The cached copy of table key when it is still fresh; a stale one is
** dropped. Called with e->lock held. */
static bool cache_find(tir_engine *e, const char *key, const struct stat *st, bool have_stat, vm_source *out)
{
    for (int i = 0; i < e->ncache; i++) {
        cached_table *c = &e->cache[i];
        if (c->retired || strcmp(c->key, key))
            continue;
        bool fresh = c->src.store ? !vm_store_stale(c->src.store)
                                  : have_stat && c->size == st->st_size && c->mtime.tv_sec == st->st_mtim.tv_sec &&
                                        c->mtime.tv_nsec == st->st_mtim.tv_nsec;
        if (fresh) {
            *out = c->src;
            return true;
        }
        /* the file changed: drop the stale copy (a run may still read it) */
        retire_table(e, i);
        return false;
    }
    return false;
}

/* Loads outside the lock, so a slow file (a large CSV, a pipe) does not
** hold up other runs; two runs loading one table at once keep the first. */
static tir_status cache_load(void *ctx, const ir_table *t, vm_source *out, uint64_t budget, char *err,
                             size_t errlen)
{
    tir_engine *e = ctx;
    struct stat st;
    char *key = table_key(t);
    if (!key)
        return TIR_ERR_NOMEM;
    bool have_stat = stat(t->path, &st) == 0;
    pthread_mutex_lock(&e->lock);
    bool hit = cache_find(e, key, &st, have_stat, out);
    pthread_mutex_unlock(&e->lock);
    if (hit) {
        free(key);
        return TIR_OK;
    }
    tir_status s = vm_load_table(t, out, budget, err, errlen);
    if (s || !have_stat) {
        free(key);
        return s;
    }
    pthread_mutex_lock(&e->lock);
    vm_source theirs;
    if (cache_find(e, key, &st, have_stat, &theirs)) {
        vm_source_free(out);
        *out = theirs;
        free(key);
    } else if (e->ncache == e->capcache && !grow_cache(e)) {
        vm_source_free(out);
        free(key);
        s = TIR_ERR_NOMEM;
    } else
        e->cache[e->ncache++] = (cached_table){key, st.st_size, st.st_mtim, *out, false};
    pthread_mutex_unlock(&e->lock);
    return s;
}

void tir_engine_set_profile(tir_engine *e, bool time_operators)
{
    if (e)
        atomic_store(&e->profile_time, time_operators);
}

void tir_engine_cancel(tir_engine *e)
{
    if (e)
        atomic_store(&e->cancel, 1);
}

void tir_program_cancel(tir_program *p)
{
    if (p)
        atomic_store(&p->cancel, 1);
}

static void progress_of(const tir_program *p, uint64_t *done, uint64_t *total)
{
    *total += atomic_load(&p->rows_total);
    uint64_t d = atomic_load(&p->rows_done);
    *done += d;
}

static void put_progress(uint64_t d, uint64_t t, uint64_t *rows_done, uint64_t *rows_total)
{
    if (d > t) /* read across the reset at the end of a run */
        d = t;
    if (rows_done)
        *rows_done = d;
    if (rows_total)
        *rows_total = t;
}

void tir_engine_progress(const tir_engine *e, uint64_t *rows_done, uint64_t *rows_total)
{
    uint64_t d = 0, t = 0;
    if (e) {
        tir_engine *m = (tir_engine *)e;   /* the lock is not the engine's state */
        pthread_mutex_lock(&m->lock);
        for (const tir_program *p = e->running; p; p = p->run_next)
            progress_of(p, &d, &t);
        pthread_mutex_unlock(&m->lock);
    }
    put_progress(d, t, rows_done, rows_total);
}

void tir_program_progress(const tir_program *p, uint64_t *rows_done, uint64_t *rows_total)
{
    uint64_t d = 0, t = 0;
    if (p)
        progress_of(p, &d, &t);
    put_progress(d, t, rows_done, rows_total);
}

static thread_msg *thread_msg_of(tir_engine *e)
{
    for (int i = 0; i < e->nmsgs; i++)
        if (pthread_equal(e->msgs[i].thread, pthread_self()))
            return &e->msgs[i];
    return NULL;
}

/* Only the calling thread reads or replaces its own message, so the text
** may be read outside the lock. */
const char *tir_engine_errmsg(const tir_engine *e)
{
    if (!e)
        return "no engine";
    tir_engine *m = (tir_engine *)e;   /* the lock and table are not the engine's state */
    pthread_mutex_lock(&m->lock);
    const thread_msg *t = thread_msg_of(m);
    const char *msg = !t ? "" : t->msg ? t->msg : "out of memory";
    pthread_mutex_unlock(&m->lock);
    return msg;
}

const char *tir_program_errmsg(const tir_program *p)
{
    return p ? p->err : "no program";
}

/* Sets the calling thread's message ("" drops its entry). Called with
** e->lock held. */
static void engine_error_locked(tir_engine *e, const char *msg)
{
    thread_msg *t = thread_msg_of(e);
    if (t)
        free(t->msg);
    if (!*msg) {
        if (t)
            *t = e->msgs[--e->nmsgs];
        return;
    }
    if (!t && e->nmsgs == e->capmsgs) {
        int cap = e->capmsgs ? e->capmsgs * 2 : 8;
        thread_msg *m = realloc(e->msgs, (size_t)cap * sizeof *m);
        if (!m)
            return;   /* no room to say why: tir_engine_errmsg says "" */
        e->msgs = m;
        e->capmsgs = cap;
    }
    if (!t) {
        t = &e->msgs[e->nmsgs++];
        t->thread = pthread_self();
    }
    t->msg = strdup(msg);
}

static void engine_error(tir_engine *e, const char *msg)
{
    pthread_mutex_lock(&e->lock);
    engine_error_locked(e, msg);
    pthread_mutex_unlock(&e->lock);
}

/* A program's failed call: its message is the program's, and mirrored in
** the engine's for callers that read tir_engine_errmsg(). */
static tir_status program_fail(tir_program *p, tir_status st)
{
    engine_error(p->e, p->err);
    return st;
}

static tir_status program_error(tir_program *p, tir_status st, const char *msg)
{
    snprintf(p->err, sizeof p->err, "%s", msg);
    return program_fail(p, st);
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

vm_pool *vm_engine_pool(const tir_engine *e)
{
    return e->pool;
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
        out->cols[c].ty = (ir_coltype){.type = vm_store_coltype(sc), .nullable = sc->nullable, .unique = sc->unique, .order = (ir_order)sc->order, .prec = sc->prec, .scale = sc->scale};
        ok = (out->cols[c].name.s = ir_strndup(a, sc->name, strlen(sc->name))) != NULL;
    }
    vm_store_close(s);
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    return true;
}

/* read_csv without declared columns: inferred as tirrun import does,
** within the memory limit. */
static bool read_csv_schema(void *ctx, ir_arena *a, const ir_table *t, ir_schema *out, char *err, size_t errlen)
{
    const tir_engine *e = ctx;
    vm_csv_opts o = {t->delimiter, t->header, t->null_string, vm_engine_memory_limit(e)};
    int n = 0;
    vm_csv_col *cols = NULL;
    tir_status st = vm_csv_infer(t->path, &o, &n, &cols, err, errlen);
    if (st) {
        if (st == TIR_ERR_NOMEM)   /* not the program's fault */
            a->nomem = true;
        return false;
    }
    out->n = n;
    out->cols = IR_NEWN(a, ir_column, n ? n : 1);
    bool ok = out->cols != NULL;
    for (int c = 0; ok && c < n; c++) {
        out->cols[c].ty = (ir_coltype){.type = cols[c].type, .nullable = cols[c].nullable};
        ok = (out->cols[c].name.s = ir_strndup(a, cols[c].name, strlen(cols[c].name))) != NULL;
    }
    vm_csv_cols_free(n, cols);
    if (!ok)
        snprintf(err, errlen, "out of memory");
    return ok;
}

/* A file the program includes, read within the engine's confinement. A
** program is text written by people: a bound keeps a stray include of a
** huge file (or of /dev/zero) from reading it all. */
#define INCLUDE_MAX ((size_t)16 << 20)
static char *load_include(void *ctx, ir_arena *a, const char *path, size_t *len, char *err, size_t errlen)
{
    tir_program *p = ctx;
    if (!check_path(p, path, false, err, errlen))
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            char *nb = cap <= INCLUDE_MAX + 1 ? realloc(buf, cap) : NULL;
            if (!nb) {
                if (cap <= INCLUDE_MAX + 1)
                    err[0] = 0;   /* out of memory */
                else
                    snprintf(err, errlen, "larger than %zu MiB", INCLUDE_MAX >> 20);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    char *text = failed ? NULL : ir_strndup(a, buf ? buf : "", n);
    free(buf);
    if (failed)
        snprintf(err, errlen, "read error");
    else if (text)
        *len = n;
    else
        err[0] = 0;
    return text;
}

/* The front end of the program's form. */
static bool parse(tir_program *p, ir_arena *a, ir_diags *d, ir_program **out)
{
    ir_loader ld = {load_include, p};
    return p->json ? fe_parse_json(a, d, p->file, p->src, p->srclen, out)
                   : fe_parse(a, d, p->file, p->src, p->srclen, &ld, out);
}

static tir_status compile(tir_engine *e, const char *file, const char *src, size_t len, bool json,
                          tir_program **out)
{
    if (!e || !out || (!src && len))
        return TIR_ERR_ARG;
    *out = NULL;
    engine_error(e, "");
    tir_program *p = calloc(1, sizeof *p);
    if (!p)
        return nomem(e);
    p->e = e;
    atomic_init(&p->cancel, 0);
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
    p->srclen = len;
    p->json = json;
    ir_diags_init(&p->diags, &p->arena, p->file, p->src, len);
    if (e->cfg.max_errors)
        p->diags.max_errors = e->cfg.max_errors;
    *out = p;
    bool ok = parse(p, &p->arena, &p->diags, &p->prog) && p->prog;
    if (ok) {
        p->prog->read_schema = read_store_schema;
        p->prog->read_schema_ctx = e;
        p->prog->read_csv_schema = read_csv_schema;
        p->prog->read_csv_schema_ctx = e;
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
        return program_error(p, TIR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < p->diags.n; i++) {
        const ir_diagnostic *d = &p->diags.items[i];
        p->pub[i].severity = d->severity;
        p->pub[i].file = d->file ? d->file : p->file;
        p->pub[i].message = d->message;
        p->pub[i].line = d->line;
        p->pub[i].col = d->col;
        p->pub[i].path = d->path;
    }
    /* Out of memory anywhere (a lost diagnostic included) is not a
    ** compile error: the diagnostics may say less than the program has. */
    if (p->arena.nomem || !p->diag_text)
        return program_error(p, TIR_ERR_NOMEM, "out of memory");
    if (!ok)
        return program_error(p, TIR_ERR_COMPILE, p->diag_text[0] ? p->diag_text : "compile error");
    if (!vm_lower(&p->arena, p->prog, e->cfg.batch_size, e->cfg.fixed_order, &p->plan, p->err, sizeof p->err))
        return program_fail(p, p->arena.nomem ? TIR_ERR_NOMEM : TIR_ERR_COMPILE);
    if (!vm_binds_init(&p->binds, p->prog)) {
        p->plan = NULL;   /* not runnable without room for its parameters */
        return program_error(p, TIR_ERR_NOMEM, "out of memory");
    }
    return TIR_OK;
}

tir_status tir_compile(tir_engine *e, const char *file, const char *src, size_t len, tir_program **out)
{
    return compile(e, file, src, len, false, out);
}

tir_status tir_compile_json(tir_engine *e, const char *file, const char *json, size_t len, tir_program **out)
{
    return compile(e, file, json, len, true, out);
}

/* The program in its other form, from its source parsed again: the
** checker rewrote the tree it compiled. */
static tir_status convert(tir_program *p, bool to_json, char **out)
{
    if (!p || !out)
        return TIR_ERR_ARG;
    *out = NULL;
    p->err[0] = 0;
    ir_arena a;
    ir_arena_init(&a);
    ir_diags d;
    ir_diags_init(&d, &a, p->file, p->src, p->srclen);
    ir_program *prog = NULL;
    const char *text = NULL;
    if (parse(p, &a, &d, &prog) && prog)
        text = to_json ? ir_program_json(&a, &d, prog) : ir_program_str(&a, prog, NULL);
    tir_status st;
    if (text && !a.nomem) {
        st = (*out = strdup(text)) ? TIR_OK : TIR_ERR_NOMEM;
    } else if (a.nomem || !d.nerrors) {   /* nothing said why: out of memory */
        st = TIR_ERR_NOMEM;
    } else {
        const char *msg = ir_diags_render(&d);
        st = msg ? TIR_ERR_COMPILE : TIR_ERR_NOMEM;
        if (msg)
            snprintf(p->err, sizeof p->err, "%s", msg);
    }
    if (st == TIR_ERR_NOMEM)
        snprintf(p->err, sizeof p->err, "out of memory");
    ir_diags_free(&d);
    ir_arena_free(&a);
    return st ? program_fail(p, st) : TIR_OK;
}

tir_status tir_program_to_json(tir_program *p, char **json)
{
    return convert(p, true, json);
}

tir_status tir_program_to_text(tir_program *p, char **text)
{
    return convert(p, false, text);
}

static void program_destroy(tir_program *p)
{
    vm_binds_free(&p->binds);
    vm_hostrefs_free(&p->hosts);
    ir_diags_free(&p->diags);
    ir_arena_free(&p->arena);
    free(p->pub);
    free(p->src);
    free(p->file);
    free(p);
}

/* A program held by a live stream outlives tir_program_free: the stream's
** run reads it until the host releases the stream (vm_program_drop). */
void tir_program_free(tir_program *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->e->lock);
    bool held = p->holds > 0;
    p->freed = held;
    pthread_mutex_unlock(&p->e->lock);
    if (!held)
        program_destroy(p);
}

void vm_program_hold(tir_program *p)
{
    pthread_mutex_lock(&p->e->lock);
    p->holds++;
    p->e->holds++;
    pthread_mutex_unlock(&p->e->lock);
}

void vm_program_drop(tir_program *p)
{
    tir_engine *e = p->e;
    pthread_mutex_lock(&e->lock);
    e->holds--;
    bool free_p = --p->holds == 0 && p->freed, free_e = e->holds == 0 && e->freed;
    pthread_mutex_unlock(&e->lock);
    if (free_p)
        program_destroy(p);
    if (free_e)
        engine_destroy(e);
}

/* Whether a run of p is in progress or a live stream of it is open; the
** message (the program's own is its run's) goes to the engine's. Called
** with p->e->lock held. */
static bool busy_locked(tir_program *p, const char *call)
{
    bool b = p->running || p->holds > 0;
    if (b) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: the program is already running or a live stream of it is open "
                 "(a program runs on one thread at a time; bind between runs)", call);
        engine_error_locked(p->e, msg);
    }
    return b;
}

static bool busy(tir_program *p, const char *call)
{
    pthread_mutex_lock(&p->e->lock);
    bool b = busy_locked(p, call);
    pthread_mutex_unlock(&p->e->lock);
    return b;
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

bool tir_program_param_decimal(const tir_program *p, size_t i, int *precision, int *scale)
{
    const ir_param *prm = program_param(p, i);
    if (!prm || (prm->ty.type != TIR_DECIMAL && prm->ty.type != TIR_DECIMAL128))
        return false;
    *precision = prm->ty.prec;
    *scale = prm->ty.scale;
    return true;
}

/* Binding needs a compiled program not running; messages go where
** tir_engine_errmsg reads. */
static tir_status bindable(tir_program *p)
{
    if (!p)
        return TIR_ERR_ARG;
    if (busy(p, "tir_bind"))
        return TIR_ERR_ARG;
    p->err[0] = 0;
    if (!p->plan)
        return program_error(p, TIR_ERR_COMPILE, "the program did not compile");
    return TIR_OK;
}

static tir_status bind_done(tir_program *p, tir_status st)
{
    return st ? program_fail(p, st) : TIR_OK;
}

static tir_status bind_value(tir_program *p, const char *name, vm_const v)
{
    tir_status st = bindable(p);
    return st ? st : bind_done(p, vm_bind(&p->binds, name, &v, p->err, sizeof p->err));
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

tir_status tir_bind_timestamp(tir_program *p, const char *name, int64_t micros)
{
    return bind_value(p, name, (vm_const){.type = TIR_TIMESTAMP, .i = micros});
}

tir_status tir_bind_interval(tir_program *p, const char *name, tir_interval v)
{
    return bind_value(p, name, (vm_const){.type = TIR_INTERVAL, .i = v.micros, .months = v.months, .days = v.days});
}

tir_status tir_bind_decimal128(tir_program *p, const char *name, tir_dec128 v, int scale)
{
    tir_status st = bindable(p);
    if (!st && (scale < 0 || scale > VM_DEC128_MAXPREC))
        st = program_error(p, TIR_ERR_ARG, "tir_bind_decimal128: the scale must be in 0..38");
    if (st)
        return st;
    __int128 w = (__int128)((unsigned __int128)(uint64_t)v.hi << 64 | v.lo);
    return bind_value(p, name, (vm_const){.type = TIR_DECIMAL128, .w = w, .scale = (uint8_t)scale});
}

tir_status tir_bind_null(tir_program *p, const char *name)
{
    return bind_value(p, name, (vm_const){.type = TIR_NTYPES, .is_null = true});
}

tir_status tir_bind_str(tir_program *p, const char *name, const char *s, size_t len)
{
    tir_status st = bindable(p);
    if (!st && !s && len)
        st = program_error(p, TIR_ERR_ARG, "tir_bind_str: NULL bytes (bind NULL with tir_bind_null)");
    return st ? st : bind_done(p, vm_bind_str(&p->binds, name, s, len, p->err, sizeof p->err));
}

tir_status tir_bind_text(tir_program *p, const char *name, const char *text, size_t len)
{
    tir_status st = bindable(p);
    if (!st && !text && len)
        st = program_error(p, TIR_ERR_ARG, "tir_bind_text: NULL text (bind NULL with tir_bind_null)");
    return st ? st : bind_done(p, vm_bind_text(&p->binds, name, text ? text : "", len, p->err, sizeof p->err));
}

tir_status tir_clear_bindings(tir_program *p)
{
    if (!p)
        return TIR_ERR_ARG;
    if (busy(p, "tir_clear_bindings"))
        return TIR_ERR_ARG;
    if (p->plan)
        vm_binds_clear(&p->binds);
    return TIR_OK;
}

/* Under statement j, the order its adaptive conjunctions ran in last (of
** the written order, counted from 1). */
static size_t render_adapts(const vm_pipe *p, int j, char *s, size_t n, size_t cap)
{
    for (int a = 0; a < p->nadapts; a++) {
        const vm_adapt *ad = &p->adapts[a];
        if (ad->stmt != j)
            continue;
        uint64_t v = atomic_load_explicit(ad->shown, memory_order_relaxed);
        n += (size_t)snprintf(s + n, cap - n, "    conjuncts ran in the order");
        for (int k = 0; k < ad->n; k++, v >>= 4)
            n += (size_t)snprintf(s + n, cap - n, "%s %d", k ? "," : "", (int)(v & 15) + 1);
        n += (size_t)snprintf(s + n, cap - n, "\n");
    }
    return n;
}

/* One line per pipeline (wall time) and per statement: rows it produced,
** or for a sink (aggregate, build_hash, hash_group_by) the rows it consumed. */
static char *render_profile(const vm_plan *plan, const uint64_t *rows, const double *ms, const uint64_t *ns,
                            const uint64_t *scan, const uint64_t *spill)
{
    size_t cap = 256, n = 0;
    for (int i = 0; i < plan->npipes; i++)
        cap += 240 * (size_t)(plan->pipes[i].ir->n + 1) + 32 + 4 * VM_ADAPT_MAX * (size_t)plan->pipes[i].nadapts;
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
            if (sp[VM_SPILL_DROPPED])
                n += (size_t)snprintf(s + n, cap - n, "    %llu probe rows kept off disk by a filter of the build keys\n",
                                      (unsigned long long)sp[VM_SPILL_DROPPED]);
            if (sp[VM_SPILL_REL])
                n += (size_t)snprintf(s + n, cap - n, "    its relation held on disk: %.1f MB\n",
                                      (double)sp[VM_SPILL_REL] / 1e6);
            n = render_adapts(&plan->pipes[i], j, s, n, cap);
        }
        k++; /* the rows-read slot */
    }
    return s;
}

const char *tir_result_profile(const tir_result *r)
{
    return r && r->profile ? r->profile : "";
}

/* A result of p's outputs, their columns described, no rows yet. */
static tir_result *result_new(const tir_program *p)
{
    const vm_plan *plan = p->plan;
    tir_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->batch = plan->batch;
    r->nvalues = plan->nvals;
    r->values = calloc((size_t)(plan->nvals ? plan->nvals : 1), sizeof *r->values);
    r->nouts = (size_t)p->prog->noutputs;
    r->outs = calloc(r->nouts ? r->nouts : 1, sizeof *r->outs);
    if (!r->values || !r->outs) {
        tir_result_free(r);
        return NULL;
    }
    for (size_t i = 0; i < r->nouts; i++) {
        const ir_output *po = &p->prog->outputs[i];
        r->outs[i].nullable = calloc((size_t)po->stmt->out.n + 1, sizeof(bool));
        r->outs[i].dec = calloc((size_t)po->stmt->out.n + 1, sizeof(uint16_t));
        r->outs[i].type = calloc((size_t)po->stmt->out.n + 1, sizeof(tir_type));
        r->outs[i].name = strdup(po->name);
        if (!r->outs[i].nullable || !r->outs[i].dec || !r->outs[i].type || !r->outs[i].name) {
            tir_result_free(r);
            return NULL;
        }
        for (int c = 0; c < po->stmt->out.n; c++) {
            const ir_coltype *ty = &po->stmt->out.cols[c].ty;
            r->outs[i].nullable[c] = ty->nullable;
            r->outs[i].type[c] = ty->type;
            if (ty->type == TIR_DECIMAL || ty->type == TIR_DECIMAL128)
                r->outs[i].dec[c] = (uint16_t)(ty->prec << 8 | ty->scale);
        }
    }
    return r;
}

/* A run of p; hook (may be NULL) hands an output over as it is made
** (vm_run_streamed) and brings the run's own cancel flag. */
static tir_status run_program(tir_program *p, tir_result **out, const vm_run_opts *hook)
{
    tir_engine *e = p->e;
    tir_status bst = vm_binds_check(&p->binds, p->err, sizeof p->err);
    if (bst)
        return bst;
    /* checked when compiled and again now: a link planted in between must
    ** not lead a run outside the allowed directories */
    const ir_program *prog = p->prog;
    char why[600];
    for (int i = 0; i < prog->ntables; i++)
        if (prog->tables[i]->path && !vm_engine_may(e, prog->tables[i]->path, false, why, sizeof why)) {
            tir_status st = errno == ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_IO;
            snprintf(p->err, sizeof p->err, "%s", why);
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
                snprintf(p->err, sizeof p->err, "%s", why);
                return st;
            }
        }
    vm_plan *plan = p->plan;
    /* before the run: nothing may fail once a write_table or delete is done */
    tir_result *r = result_new(p);
    if (!r)
        return TIR_ERR_NOMEM;
    int nstmts = 0;
    for (int i = 0; i < plan->npipes; i++)
        nstmts += plan->pipes[i].ir->n + 1;
    uint64_t *prof_rows = calloc((size_t)nstmts + 1, sizeof *prof_rows);
    double *prof_ms = calloc((size_t)plan->npipes + 1, sizeof *prof_ms);
    bool time_ops = atomic_load(&e->profile_time);
    uint64_t *prof_ns = time_ops ? calloc((size_t)nstmts + 1, sizeof *prof_ns) : NULL;
    uint64_t *prof_scan = calloc((size_t)plan->npipes * VM_SCAN_NSTAT + 1, sizeof *prof_scan);
    uint64_t *prof_spill = calloc(((size_t)nstmts + 1) * VM_SPILL_NSTAT, sizeof *prof_spill);
    vm_spill *spill = e->cfg.no_spill ? NULL : vm_spill_new(e->temp_dir, e->cfg.spill_limit);
    if (!prof_rows || !prof_ms || !prof_scan || !prof_spill || (!e->cfg.no_spill && !spill) ||
        (time_ops && !prof_ns)) {
        vm_spill_free(spill);
        free(prof_spill);
        free(prof_scan);
        free(prof_rows);
        free(prof_ms);
        free(prof_ns);
        tir_result_free(r);
        return TIR_ERR_NOMEM;
    }
    vm_cancel cancel = {&e->cancel, &p->cancel, hook && hook->cancel ? hook->cancel->run : NULL};
    vm_run_opts o = {.prof_rows = prof_rows, .prof_ms = prof_ms, .prof_ns = prof_ns, .prof_scan = prof_scan,
                     .prof_spill = prof_spill, .spill = spill, .force_spill = e->cfg.force_spill,
                     .no_pruning = e->cfg.no_pruning, .cancel = &cancel, .memory_limit = e->cfg.memory_limit, .peak_bytes = &r->peak_bytes,
                     .rows_done = &p->rows_done, .rows_total = &p->rows_total,
                     .load = e->cfg.no_table_cache ? NULL : cache_load, .load_ctx = e,
                     .threads = e->cfg.threads, .pool = e->pool, .params = p->binds.vals,
                     .stream_stmt = hook ? hook->stream_stmt : NULL, .stream_rows = hook ? hook->stream_rows : NULL,
                     .stream_ctx = hook ? hook->stream_ctx : NULL};
    tir_status st = vm_execute(plan, &o, r->values, p->err, sizeof p->err);
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
        return st;
    }
    for (size_t i = 0; i < r->nouts; i++) {
        const ir_output *po = &p->prog->outputs[i];
        int vi = vm_plan_value_index(plan, po->stmt);
        r->outs[i].t = vi >= 0 ? r->values[vi].rel : NULL;
        if (!r->outs[i].t) {
            snprintf(p->err, sizeof p->err, "internal error: an output was not produced");
            tir_result_free(r);
            return TIR_ERR_RUNTIME;
        }
    }
    *out = r;
    return TIR_OK;
}

/* A run of p (hook as run_program's) in the engine's list of runs, with
** the cancel and error contracts of tir.h. */
tir_status vm_run_enter(tir_program *p)
{
    if (!p->plan)
        return program_error(p, TIR_ERR_COMPILE, "the program did not compile");
    tir_engine *e = p->e;
    pthread_mutex_lock(&e->lock);
    /* checked and marked under one lock: two threads cannot both start it */
    bool b = busy_locked(p, "tir_run");   /* p->err is its run's: the engine's message says why */
    if (!b) {
        p->running = true;
        p->run_next = e->running;
        e->running = p;
        engine_error_locked(e, "");
    }
    pthread_mutex_unlock(&e->lock);
    return b ? TIR_ERR_ARG : TIR_OK;
}

/* Out of the engine's list of runs; msg (NULL: none) becomes the calling
** thread's message. */
static void run_leave(tir_program *p, const char *msg)
{
    tir_engine *e = p->e;
    pthread_mutex_lock(&e->lock);
    tir_program **link = &e->running;
    while (*link != p)
        link = &(*link)->run_next;
    *link = p->run_next;
    p->running = false;
    if (!e->running) {
        atomic_store(&e->cancel, 0);
        free_retired(e);
    }
    if (msg)
        engine_error_locked(e, msg);
    pthread_mutex_unlock(&e->lock);
}

void vm_run_abandon(tir_program *p)
{
    run_leave(p, NULL);
}

/* A run of p entered (vm_run_enter), with the cancel and error contracts
** of tir.h; a live stream's failure (a run on a thread of its own, with a
** cancel flag of its own) is its stream's to tell, not its thread's. */
static tir_status run_entered(tir_program *p, tir_result **out, const vm_run_opts *hook)
{
    tir_engine *e = p->e;
    p->err[0] = 0;
    atomic_store(&p->rows_done, 0);
    atomic_store(&p->rows_total, 0);
    /* a cancel that came before the run is honoured before anything runs */
    vm_cancel cancel = {&e->cancel, &p->cancel, hook && hook->cancel ? hook->cancel->run : NULL};
    tir_status st = vm_cancelled(&cancel) ? TIR_ERR_CANCELLED : run_program(p, out, hook);
    if (st == TIR_ERR_CANCELLED && !p->err[0])
        snprintf(p->err, sizeof p->err, "cancelled");
    if (st == TIR_ERR_NOMEM && !p->err[0])
        snprintf(p->err, sizeof p->err, "out of memory");
    atomic_store(&p->cancel, 0);
    run_leave(p, st && !(hook && hook->cancel && hook->cancel->run) ? p->err : NULL);
    return st;
}

static tir_status run_tracked(tir_program *p, tir_result **out, const vm_run_opts *hook)
{
    if (!p || !out)
        return TIR_ERR_ARG;
    *out = NULL;
    tir_status st = vm_run_enter(p);
    return st ? st : run_entered(p, out, hook);
}

tir_status tir_run(tir_program *p, tir_result **out)
{
    return run_tracked(p, out, NULL);
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

/* The output statement whose rows may be handed over while made (NULL:
** none). Not a relation another pipeline reads (it must be kept whole),
** nor a write_table's or delete's: their rows are the file's to write
** (the output is the one-row tuple made at the end). */
static const ir_stmt *streamed_stmt(const ir_program *prog, const ir_stmt *s)
{
    if (!s || s->kind == IR_OP_WRITE_TABLE || s->kind == IR_OP_DELETE || read_by_pipeline(prog, s))
        return NULL;
    return s;
}

tir_status vm_run_streamed(tir_program *p, size_t out, tir_status (*rows)(void *ctx, vm_table *t), void *ctx,
                           const atomic_int *cancel, tir_result **res)
{
    const ir_stmt *s = p && p->plan && out < (size_t)p->prog->noutputs ? p->prog->outputs[out].stmt : NULL;
    vm_cancel own = {.run = cancel};
    vm_run_opts hook = {.cancel = &own, .stream_rows = rows, .stream_ctx = ctx,
                        .stream_stmt = streamed_stmt(p->prog, s)};
    *res = NULL;
    return run_entered(p, res, &hook);
}

/* tir_run_each's handover: each table of rows becomes output `out` of a
** result shell (the run's outputs described, no other rows) for a call. */
typedef struct each_ctx {
    tir_result *shell;
    size_t out;
    tir_rows_fn each;
    void *ctx;
} each_ctx;

static tir_status each_rows(void *ctx, vm_table *t)
{
    each_ctx *ec = ctx;
    ec->shell->outs[ec->out].t = t;
    tir_status st = ec->each(ec->ctx, ec->shell);
    ec->shell->outs[ec->out].t = NULL;
    vm_table_free(t);
    return st;
}

tir_status tir_run_each(tir_program *p, size_t out, tir_rows_fn each, void *ctx, tir_result **res)
{
    if (!p || !res || !each)
        return TIR_ERR_ARG;
    *res = NULL;
    if (p->plan && out >= (size_t)p->prog->noutputs) {
        char msg[80];
        snprintf(msg, sizeof msg, "tir_run_each: the program has no output %zu", out);
        return program_error(p, TIR_ERR_ARG, msg);
    }
    tir_status st = vm_run_enter(p);
    if (st)
        return st;
    each_ctx ec = {result_new(p), out, each, ctx};
    if (!ec.shell) {
        snprintf(p->err, sizeof p->err, "out of memory");
        run_leave(p, p->err);
        return TIR_ERR_NOMEM;
    }
    const ir_stmt *s = p->prog->outputs[out].stmt;
    vm_run_opts hook = {.stream_rows = each_rows, .stream_ctx = &ec,
                        .stream_stmt = streamed_stmt(p->prog, s)};
    st = run_entered(p, res, &hook);
    tir_result_free(ec.shell);
    return st;
}

void tir_result_free(tir_result *r)
{
    if (!r)
        return;
    for (int i = 0; r->values && i < r->nvalues; i++)
        vm_value_free(&r->values[i]);
    for (size_t i = 0; r->outs && i < r->nouts; i++) {
        free(r->outs[i].nullable);
        free(r->outs[i].dec);
        free(r->outs[i].type);
        free(r->outs[i].name);
    }
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
    if (!t || col >= (size_t)t->ncols)
        return TIR_NTYPES;
    return r->outs[out].type[col];
}

bool tir_result_col_decimal(const tir_result *r, size_t out, size_t col, int *precision, int *scale)
{
    const vm_table *t = out_table(r, out);
    if (!t || col >= (size_t)t->ncols || !r->outs[out].dec[col])
        return false;
    *precision = r->outs[out].dec[col] >> 8;
    *scale = r->outs[out].dec[col] & 255;
    return true;
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
