/*
** tir.h — the public C API of the tir vectorized execution engine.
**
** An embedding program creates a tir_engine (all state hangs off it; two
** engines in one process never share anything), compiles .tir text into a
** tir_program (diagnostics come back as values), runs it, and reads each
** named output as a sequence of columnar batches.
**
** Ownership and threads, for every object:
** - tir_engine: created and freed by the caller; freed only when no call on
**   it (or on its programs) is in progress. Its calls may come from several
**   threads at once: each thread compiles, binds and runs its own programs,
**   and they share the engine's table cache.
** - tir_program: owned by the caller until tir_program_free(); used by one
**   thread at a time (compile, bind, run, read its diagnostics). Pointers it
**   returns (diagnostics, explain text, parameter names, its error message)
**   live until it is freed. It must be freed before its engine. A live
**   stream (tir_run_arrow_stream, tir_arrow.h) holds its program and
**   engine: tir_program_free / tir_engine_free while a stream is open
**   return at once, the stream goes on to its end, and their memory is
**   released when the stream is released (the host must not use p or e
**   after freeing them, as always).
** - tir_result: owned by the caller until tir_result_free(); independent of
**   its program (it may outlive it, the program may run again meanwhile).
**   Every pointer it returns lives until it is freed. Read-only: several
**   threads may read one result.
** - Errors: every call that fails leaves its message where the caller of
**   that call can read it: tir_program_errmsg() for a program's compile,
**   bind and run; tir_engine_errmsg() for the engine's own calls (import,
**   register, describe) and, mirrored, the calling thread's last program
**   failure. The engine keeps one message per calling thread: each thread
**   reads its own, never another thread's, and the pointer is valid until
**   that thread's next call on the engine.
*/
#ifndef TIR_H
#define TIR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header. tir_version() returns the library's: the two
** differ when a program runs against another libtir.so than the one it was
** compiled with. meson.build refuses to configure when these lines do not
** match its project version (keep them one #define per line). */
#define TIR_VERSION_MAJOR 0
#define TIR_VERSION_MINOR 1
#define TIR_VERSION_PATCH 0
#define TIR_VERSION "0.1.0"

/* Marks the public API: the library is compiled with hidden visibility, so
** only what carries TIR_API is exported from libtir.so. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define TIR_API __attribute__((visibility("default")))
#else
#define TIR_API
#endif

typedef enum tir_status {
    TIR_OK = 0,
    TIR_ERR_COMPILE,   /* the program has errors; nothing ran */
    TIR_ERR_RUNTIME,   /* evaluation failed (e.g. integer overflow) */
    TIR_ERR_DATA,      /* input data is malformed or does not fit its declared type */
    TIR_ERR_IO,        /* a file could not be opened or read */
    TIR_ERR_NOMEM,     /* allocation failed or the memory limit was hit */
    TIR_ERR_CANCELLED, /* tir_engine_cancel() was called while running */
    TIR_ERR_ARG        /* the API was called with a bad argument */
} tir_status;

/* Element types of vectors. Storage: bool = uint8_t (0/1), i32 = int32_t,
** i64 = int64_t, f64 = double, date = int32_t days since 1970-01-01,
** string = tir_str, timestamp = int64_t microseconds since 1970-01-01
** 00:00:00 (no time zone). */
typedef enum tir_type {
    TIR_BOOL = 0,
    TIR_I32,
    TIR_I64,
    TIR_F64,
    TIR_STRING,
    TIR_DATE,
    TIR_DECIMAL,      /* exact fixed point: int64_t scaled by 10^scale (tir_result_col_decimal) */
    TIR_TIMESTAMP,    /* int64_t microseconds since 1970-01-01 00:00:00 */
    TIR_DECIMAL128,   /* exact fixed point of 19 to 38 digits: tir_dec128 scaled by 10^scale */
    TIR_INTERVAL,     /* tir_interval: months, days and microseconds, each with its own sign */
    TIR_NTYPES
} tir_type;

/* A TIR_DECIMAL128 value: a 128-bit two's complement integer, low half
** first (the layout of __int128 on little-endian machines and of Arrow's
** decimal128). */
typedef struct tir_dec128 {
    uint64_t lo;
    int64_t hi;
} tir_dec128;

/* A TIR_INTERVAL value, as DuckDB keeps one: months, days and
** microseconds apart (a month is no fixed number of days, a day no fixed
** number of microseconds across a time change). 16 bytes, the layout of
** Arrow's month_day_nano interval but for its nanoseconds. */
typedef struct tir_interval {
    int32_t months, days;
    int64_t micros;
} tir_interval;

/* 16-byte string header. Strings of at most 12 bytes live entirely inside
** (prefix followed by the rest of inl); longer ones keep their first four
** bytes in prefix and point at the full bytes. Use tir_str_ptr(). */
typedef struct tir_str {
    uint32_t len;
    char prefix[4];
    union {
        char inl[8];
        const char *ptr;
    } u;
} tir_str;

#define TIR_STR_INLINE 12

static inline const char *tir_str_ptr(const tir_str *s)
{
    return s->len <= TIR_STR_INLINE ? s->prefix : s->u.ptr;
}

/* Columns of a table or relation, at most (SQLite's default limit). A
** program that declares or computes more is a compile error. */
#define TIR_MAX_COLUMNS 2000

typedef struct tir_engine tir_engine;
typedef struct tir_program tir_program;
typedef struct tir_result tir_result;

typedef struct tir_config {
    int threads;            /* workers per run, the caller's thread included (0 = number of
                             * cores); the engine starts threads - 1 worker threads on its
                             * first parallel run and keeps them until it is freed, shared by
                             * all its runs (a run whose workers are busy with another run's
                             * work does that share on its own thread) */
    uint32_t batch_size;    /* rows per batch; 0 = 2048 */
    uint64_t memory_limit;  /* bytes a run (or an import) may hold; 0 = 80% of the machine's
                             * memory; UINT64_MAX = no limit */
    bool no_table_cache;    /* true: every run reloads its CSV tables */
    bool no_pruning;        /* true: scans read every block and drop no row by bloom
                             * filter (for checking that pruning never changes results) */
    uint32_t max_errors;    /* compile errors reported before "too many errors"; 0 = 20 */
    /* For plans not fully trusted. allowed_dirs: NULL = files anywhere; else
    ** a NULL-terminated list (copied) of the only directories whose files
    ** programs, imports and describe may read or write, checked after
    ** resolving symlinks and ".."; an empty list = no file at all. */
    const char *const *allowed_dirs;
    bool read_only;         /* write_table, delete and tir_import_csv are refused */
    /* Spilling: a group-by or a hash join whose state would break
    ** memory_limit writes it to temporary files in temp_dir (copied; NULL
    ** = $TMPDIR, else /tmp) and reads it back partition by partition; a
    ** sort (or window) writes sorted runs and merges them; relations that
    ** later pipelines read are held there while the values kept between
    ** pipelines would take over half of memory_limit. The files are unlinked
    ** from the start (nothing is left behind, even after a crash) and hold
    ** at most spill_limit bytes at once (0 = 90% of the free space of
    ** temp_dir when the run starts). no_spill: fail with TIR_ERR_NOMEM
    ** instead. */
    const char *temp_dir;
    uint64_t spill_limit;
    bool no_spill;
    bool force_spill;       /* testing: every group-by and hash table build spills after each
                             * batch, and is read back in two passes; every sort writes a run
                             * per batch and merges them 4 at a time; every relation a later
                             * pipeline reads is held on disk (results must not change) */
    bool fixed_order;       /* true: a filter's conjuncts run in their written order; by default
                             * those that cannot fail are reordered as they run, cheapest per
                             * row removed first (the rows kept never change) */
    bool external_threads;  /* true: the engine starts no thread of its own; the threads the
                             * embedder lends with tir_engine_lend_thread do the workers'
                             * shares of its runs (still `threads` per run), and a run's own
                             * thread does whatever no lent thread has taken */
} tir_config;

/* cfg may be NULL for defaults. Returns NULL only when out of memory. */
TIR_API tir_engine *tir_engine_new(const tir_config *cfg);
TIR_API void tir_engine_free(tir_engine *e);
/* For an engine made with external_threads: the calling thread (one of
** the embedder's) works for the engine's runs until tir_engine_free, which
** returns every lent thread before it frees anything; the call then
** returns TIR_OK. A thread lent waits on a condition variable while there
** is no work. TIR_ERR_ARG when the engine starts its own threads. The
** engine must not be freed before each lending call has begun:
** tir_engine_lent_threads says how many threads are lent at the moment. */
TIR_API tir_status tir_engine_lend_thread(tir_engine *e);
TIR_API int tir_engine_lent_threads(tir_engine *e);
/* Tables read by a run stay loaded in the engine for later runs (reloaded
** when the file's size or modification time changes); this drops them. */
TIR_API void tir_engine_clear_cache(tir_engine *e);
/* Safe to call from another thread or a signal handler. Every run in
** progress on the engine stops at its next batch boundary with
** TIR_ERR_CANCELLED; when none is in progress, the next run started is
** cancelled before it does anything: a cancel is never lost, whenever it
** arrives. The request is spent when the last run in progress ends (a
** cancel that comes after a run's last batch boundary lets it finish). */
TIR_API void tir_engine_cancel(tir_engine *e);
/* true: later runs also time each statement for tir_result_profile()
** (a clock read per instruction per batch; off by default). */
TIR_API void tir_engine_set_profile(tir_engine *e, bool time_operators);
/* Progress of the runs in progress, safe to poll from another thread:
** source rows scanned so far and the total of the pipelines started so far,
** summed over the engine's runs (both 0 when idle). */
TIR_API void tir_engine_progress(const tir_engine *e, uint64_t *rows_done, uint64_t *rows_total);
/* The message of the calling thread's last failed call on this engine (""
** if none, or a later compile, run or import succeeded): the engine's own calls (import, register,
** describe), and its programs' as a mirror (see the top). Each thread
** reads its own message; the pointer is valid until that thread's next call
** on the engine (or tir_engine_free). A thread that ends with a failed call
** as its last leaves its message in the engine until tir_engine_free. */
TIR_API const char *tir_engine_errmsg(const tir_engine *e);

typedef enum tir_severity { TIR_SEV_ERROR = 0, TIR_SEV_WARNING } tir_severity;

typedef struct tir_diag {
    tir_severity severity;
    const char *file;       /* the program's, or the included file's the diagnostic is in */
    int line, col;          /* 1-based, in bytes; for a node of a program compiled from JSON
                             * (or of a JSON plan a text program includes) where its value
                             * is in the JSON text */
    const char *message;
    const char *path;       /* the JSON path of that node ("$.pipelines[1].statements[0].args.expr");
                             * NULL otherwise (malformed JSON included) */
} tir_diag;

/* Compiles src (len bytes; file is used in messages and to resolve
** relative data paths). *out is set even on TIR_ERR_COMPILE so the caller
** can read the diagnostics; free it with tir_program_free(). */
TIR_API tir_status tir_compile(tir_engine *e, const char *file, const char *src,
                               size_t len, tir_program **out);
/* Plans as data: a program in its JSON form (docs/EMBEDDING.md, "Plans as
** JSON"), one-to-one with the text. The same contract as tir_compile(): *out
** is set even on TIR_ERR_COMPILE; malformed JSON is reported at the
** file:line:col where jansson stopped (its message), every other
** diagnostic at the line:col of its node's value in the JSON, naming the
** node's JSON path on the next line: "file:7:17: error: msg\n  at
** $.pipelines[0].statements[1]\n", then the JSON's line and a caret. */
TIR_API tir_status tir_compile_json(tir_engine *e, const char *file, const char *json, size_t len,
                                    tir_program **out);
/* The program in the other form: its JSON form (a program compiled from
** text or from JSON) or its .tir text, printed from its source as parsed,
** so a program with type errors converts too. *out is malloc'd (free()).
** TIR_ERR_COMPILE when it does not parse, or holds what the JSON form
** cannot (a string that is not UTF-8, an argument given twice): the reason
** in tir_program_errmsg(). */
TIR_API tir_status tir_program_to_json(tir_program *p, char **json);
TIR_API tir_status tir_program_to_text(tir_program *p, char **text);
TIR_API void tir_program_free(tir_program *p);
TIR_API size_t tir_program_ndiags(const tir_program *p);
TIR_API const tir_diag *tir_program_diag(const tir_program *p, size_t i);
/* All diagnostics rendered as "file:line:col: error: msg", the source line
** and a caret line. Owned by the program. */
TIR_API const char *tir_program_diag_text(const tir_program *p);
/* Typed program and bytecode listing. Owned by the program. */
TIR_API const char *tir_program_explain(tir_program *p);
/* The message of the program's last failed call (compile, bind, run; ""
** after a successful one). Owned by the program. */
TIR_API const char *tir_program_errmsg(const tir_program *p);
/* Cancels this program's run only: safe from any thread or a signal
** handler; its run in progress stops at the next batch boundary, or its
** next run is cancelled before it starts. Spent when that run ends. */
TIR_API void tir_program_cancel(tir_program *p);
/* tir_engine_progress() for this program's run (the last run's totals
** after it ended). */
TIR_API void tir_program_progress(const tir_program *p, uint64_t *rows_done, uint64_t *rows_total);

/* ---------------------------------------------------------- parameters
** A program may declare typed parameters (`$since: date`, `$name: string
** nullable`; docs/LANGUAGE.md) and use $since wherever a constant may
** stand. Compile once, then bind values and run as often as needed: a value
** is bound as a value of its declared type and never becomes program text.
**
** Bindings belong to the program and persist across runs until rebound or
** cleared; every parameter must be bound before tir_run. Bound strings are
** copied (the caller's buffer may be freed right after the call). A bind
** checks the name and the type: an unknown name, a value of another type,
** a number out of the declared type's range, or NULL for a parameter not
** declared `nullable` returns TIR_ERR_ARG, leaves the binding as it was and
** names the parameter in tir_program_errmsg(). Binding a program that did
** not compile returns TIR_ERR_COMPILE. A program is used by one thread at
** a time: bind between runs, not during one. A bind or tir_clear_bindings
** while a run of the program is in progress (tir_run on another thread) or
** while a live stream of it is open (until the stream is released) changes
** nothing and returns TIR_ERR_ARG, said in tir_engine_errmsg().
**
** Types: tir_bind_i32/_i64 bind an i32, i64 or f64 parameter (an i64 must
** fit an i32 one); tir_bind_f64 an f64 one; tir_bind_bool, tir_bind_date
** (days since 1970-01-01), tir_bind_timestamp (microseconds since
** 1970-01-01 00:00:00), tir_bind_interval and tir_bind_str (len bytes, any
** bytes, under 4 GiB) their own type only. tir_bind_decimal128 binds a
** decimal parameter (wide or narrow) to v times 10^-scale (scale 0..38),
** rescaled to the parameter's scale as a cast is (half away from zero); a
** value with more digits than the parameter holds is TIR_ERR_ARG. A wide
** decimal parameter also takes tir_bind_i32/_i64/_f64 as a narrow one
** does. tir_bind_text reads text as the
** declared type with the CSV loader's rules (integers, decimals,
** true/false/1/0, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS[.ffffff], intervals as
** "1 month 2 days 03:00:00"; a string parameter takes the
** text as it is): for command
** lines and other text sources. */
TIR_API size_t tir_program_nparams(const tir_program *p);   /* 0 unless compiled */
TIR_API const char *tir_program_param_name(const tir_program *p, size_t i);   /* without the '$' */
TIR_API tir_type tir_program_param_type(const tir_program *p, size_t i);
TIR_API bool tir_program_param_nullable(const tir_program *p, size_t i);
/* A TIR_DECIMAL or TIR_DECIMAL128 parameter's precision and scale (as
** tir_result_col_decimal); false (and nothing set) for a parameter of
** another type. */
TIR_API bool tir_program_param_decimal(const tir_program *p, size_t i, int *precision, int *scale);
TIR_API tir_status tir_bind_bool(tir_program *p, const char *name, bool v);
TIR_API tir_status tir_bind_i32(tir_program *p, const char *name, int32_t v);
TIR_API tir_status tir_bind_i64(tir_program *p, const char *name, int64_t v);
TIR_API tir_status tir_bind_f64(tir_program *p, const char *name, double v);
TIR_API tir_status tir_bind_date(tir_program *p, const char *name, int32_t days);
TIR_API tir_status tir_bind_timestamp(tir_program *p, const char *name, int64_t micros);
TIR_API tir_status tir_bind_interval(tir_program *p, const char *name, tir_interval v);
TIR_API tir_status tir_bind_decimal128(tir_program *p, const char *name, tir_dec128 v, int scale);
TIR_API tir_status tir_bind_str(tir_program *p, const char *name, const char *s, size_t len);
TIR_API tir_status tir_bind_null(tir_program *p, const char *name);
TIR_API tir_status tir_bind_text(tir_program *p, const char *name, const char *text, size_t len);
/* Every parameter unbound again (their strings freed). TIR_ERR_ARG (and
** nothing unbound) while the program runs or a live stream of it is open. */
TIR_API tir_status tir_clear_bindings(tir_program *p);

/* Runs every pipeline in dependency order and collects the outputs. On a
** failure *out is NULL and tir_program_errmsg() says what and where. A
** parameter left unbound fails the run before anything runs, with
** TIR_ERR_ARG and "file:line:col: error: parameter $x (type) is not bound"
** at its declaration; so does a parameter used as a limit's :count or
** :offset bound to a negative value (at the use). A program already running
** on another thread, or with a live stream open, is not run again:
** TIR_ERR_ARG, said in tir_engine_errmsg(). The result is materialized:
** every output's rows are held in memory until tir_result_free (the batch
** API below and tir_result_arrow_stream read them from there). To hand a
** large output over while the program runs, in bounded memory, use the
** live stream, tir_run_arrow_stream (tir_arrow.h). */
TIR_API tir_status tir_run(tir_program *p, tir_result **out);
TIR_API void tir_result_free(tir_result *r);

/* tir_run, but output `out`'s rows are handed to each(ctx, rows) while the
** run makes them, as the live stream of tir_arrow.h hands them over (a
** relation the program emits after each batch, a group-by that spilled
** partition by partition; any other output arrives whole at the end): the
** output need not fit in memory. rows is a result whose output `out` holds
** those rows (read them with the batch API below; the other outputs have
** none), valid during the call only. Calls come one at a time, in the
** output's order, on the calling thread or on one of the engine's workers.
** A status other than TIR_OK from each stops the run with that status (the
** message in tir_program_errmsg says the output's rows were refused). *res
** is then the run's result, output `out` holding the rows not handed over
** (the last ones, or the whole output when it arrives at the end). */
typedef tir_status (*tir_rows_fn)(void *ctx, const tir_result *rows);
TIR_API tir_status tir_run_each(tir_program *p, size_t out, tir_rows_fn each, void *ctx, tir_result **res);

TIR_API size_t tir_result_noutputs(const tir_result *r);
/* Most bytes the run held at once (tables, hash tables, intermediate and
** output values, buffers), measured at batch boundaries. */
TIR_API uint64_t tir_result_peak_bytes(const tir_result *r);
/* Per-pipeline wall time and per-statement row counts of the run, as text
** (like EXPLAIN ANALYZE). Owned by the result. */
TIR_API const char *tir_result_profile(const tir_result *r);
TIR_API const char *tir_result_output_name(const tir_result *r, size_t out);
TIR_API size_t tir_result_ncols(const tir_result *r, size_t out);
TIR_API const char *tir_result_col_name(const tir_result *r, size_t out, size_t col);
TIR_API tir_type tir_result_col_type(const tir_result *r, size_t out, size_t col);
TIR_API bool tir_result_col_nullable(const tir_result *r, size_t out, size_t col);
/* A decimal column's precision (digits in all) and scale (digits after the
** point): its values are the number times 10^scale, int64_t for
** TIR_DECIMAL (precision 1..18), tir_dec128 for TIR_DECIMAL128 (19..38).
** False (and nothing set) for a column of another type. */
TIR_API bool tir_result_col_decimal(const tir_result *r, size_t out, size_t col, int *precision, int *scale);
TIR_API uint64_t tir_result_nrows(const tir_result *r, size_t out);
TIR_API size_t tir_result_nbatches(const tir_result *r, size_t out);
/* The batch API reads a materialized result: every batch of every output
** is in memory from tir_run until tir_result_free (for bounded memory, the
** live stream of tir_arrow.h hands batches over while the program runs).
** Rows of batch b; column data is a dense array of the column's storage
** type; validity is a bitmap (bit i set = row i not NULL) or NULL when all
** rows are valid. Pointers stay valid until tir_result_free(). */
TIR_API uint32_t tir_result_batch_rows(const tir_result *r, size_t out, size_t b);
TIR_API const void *tir_result_batch_data(const tir_result *r, size_t out, size_t b, size_t col);
TIR_API const uint64_t *tir_result_batch_validity(const tir_result *r, size_t out, size_t b, size_t col);

/* ------------------------------------------------------ native tables
** tir's own columnar table files (docs/STORAGE.md), scanned from .tir with
** read_table("path"). */
typedef struct tir_import_opts {
    char delimiter;           /* 0 = ',' */
    bool no_header;           /* true: the first line is data, columns are named c1, c2, ... */
    const char *null_string;  /* an unquoted field equal to this is NULL; NULL = "" */
    const char *schema;       /* NULL = inferred from the data; else the body of a .tir
                               * table declaration, e.g. "id: i64 unique, name: string nullable" */
    const char *sort_by;      /* NULL, or keys "col [asc|desc] [nulls first|last], ...": rows are written
                               * sorted by them (stable; defaults ascending, NULLs last) and the first
                               * key's column is recorded as ordered */
    const char *bloom;        /* NULL, or comma-separated columns whose blocks get bloom filters */
    uint32_t block_rows;      /* rows per block, a multiple of 64; 0 = 32768 */
} tir_import_opts;

/* Reads the CSV file csv_path and writes it as a native table at
** table_path. The write is crash-safe: until it completes, a table already
** at table_path stays intact. *rows (may be NULL) receives the row count.
** On failure tir_engine_errmsg() says what and where. */
TIR_API tir_status tir_import_csv(tir_engine *e, const char *csv_path, const char *table_path,
                                  const tir_import_opts *o, uint64_t *rows);
/* Describes a native table as text (schema, blocks, per-block statistics);
** verify = true also checks every checksum. *text is malloc'd (free()). */
TIR_API tir_status tir_table_describe(tir_engine *e, const char *table_path, bool verify, char **text);

/* "MAJOR.MINOR.PATCH" of the library linked, static storage. */
TIR_API const char *tir_version(void);
/* Which SIMD kernels run, static storage: in the default build the best
** the CPU has of x86-64-v4 (AVX-512), v3 (AVX2) and baseline x86-64,
** chosen when the library is loaded ("x86-64-v3 (AVX2), chosen at run
** time"); or what the build was compiled for (meson -Dnative=true, or
** -Ddispatch=false for the baseline alone). */
TIR_API const char *tir_kernels(void);
TIR_API const char *tir_type_name(tir_type t);
TIR_API const char *tir_status_name(tir_status s);
/* Formats days since 1970-01-01 as DuckDB prints dates, for every date:
** YYYY-MM-DD, a year past 9999 with all its digits ("10002-09-26"), a
** year before 1 as "0044-03-15 (BC)" (year 0 is 1 BC); into buf
** (>= TIR_DATE_TEXT_SIZE bytes); returns the length. */
#define TIR_DATE_TEXT_SIZE 19
TIR_API int tir_date_text(int32_t days, char *buf);
/* The same into an 11-byte buf, for years 0001-9999 (the range of date
** literals and CSV fields); another date, which only arithmetic makes, is
** written "##########". */
TIR_API void tir_date_format(int32_t days, char *buf);
/* Formats a TIR_DECIMAL value (the number times 10^scale, scale 0..18) with
** exactly scale digits after the point into buf (>= 24 bytes); returns the
** length. */
TIR_API int tir_decimal_format(int64_t v, int scale, char *buf);
/* The same for a TIR_DECIMAL128 value (scale 0..38) into buf (>= 42 bytes). */
TIR_API int tir_decimal128_format(tir_dec128 v, int scale, char *buf);
/* Formats microseconds since 1970-01-01 as YYYY-MM-DD HH:MM:SS, then a
** fraction without trailing zeros when there is one, for every timestamp:
** the date as tir_date_text writes it ("0001-12-31 (BC) 23:59:59"); into
** buf (>= TIR_TIMESTAMP_TEXT_SIZE bytes); returns the length. */
#define TIR_TIMESTAMP_TEXT_SIZE 34
TIR_API int tir_timestamp_text(int64_t micros, char *buf);
/* The same into a 27-byte buf, the date "##########" outside years 0001-9999. */
TIR_API void tir_timestamp_format(int64_t micros, char *buf);
/* Formats an interval as DuckDB prints one ("1 year 2 months -3 days
** 04:05:06.5": years and months from the months, the days, then the
** microseconds as [-]HH:MM:SS with the fraction without trailing zeros;
** "00:00:00" for zero) into buf (>= 80 bytes); returns the length. */
TIR_API int tir_interval_format(tir_interval v, char *buf);

#ifdef __cplusplus
}
#endif
#endif
