/*
** tir_arrow.h — tir's data exchange through the Arrow C Data and C Stream
** Interfaces: host arrays registered as tables a program scans, results
** and output schemas handed out as Arrow. Includes tir.h.
**
** The three structs are the ABI the Arrow specification fixes
** (https://arrow.apache.org/docs/format/CDataInterface.html and
** CStreamInterface.html), declared under the guard macros the
** specification names, so this header and any other copy (nanoarrow,
** arrow/c/abi.h, DuckDB's) may be included in one file in any order.
** Ownership follows the specification: whoever holds a struct whose
** release is not NULL must call release exactly once; "moving" a struct
** copies it and sets the source's release to NULL.
*/
#ifndef TIR_ARROW_H
#define TIR_ARROW_H

#include "tir.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    /* Array type description */
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;

    /* Release callback */
    void (*release)(struct ArrowSchema *);
    /* Opaque producer-specific data */
    void *private_data;
};

struct ArrowArray {
    /* Array data description */
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;

    /* Release callback */
    void (*release)(struct ArrowArray *);
    /* Opaque producer-specific data */
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
    /* Callbacks providing stream functionality */
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);

    /* Release callback */
    void (*release)(struct ArrowArrayStream *);

    /* Opaque producer-specific data */
    void *private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

/* ------------------------------------------------------------- data in
** Registers host data as the table `name` of the engine. A program scans it
** after declaring it with the table source registered():
**
**     lineitem: Table = registered("lineitem")
**     lineitem: Table = registered("lineitem") { l_quantity: f64, l_tax: f64 nullable }
**
** Without a column block the registration gives the columns; with one,
** each declared column must exist with that type (and be declared nullable
** if it has NULLs). The registration is resolved when a program is
** compiled: the program keeps that data alive until tir_program_free, so
** re-registering or dropping the name affects only programs compiled later.
**
** The top-level array (or every array of the stream) is a struct array
** ("+s") without NULLs, one child per column, as a record batch is
** exported. Column types (format strings): "b" bool, "i" int32, "l" int64,
** "g" float64, "tdD" date32, "u" utf8, "U" large utf8, "vu" utf8 view,
** "d:P,S" (or "d:P,S,128") decimal128 as decimal(P, S): P <= 18 held as
** TIR_DECIMAL, 19 <= P <= 38 as TIR_DECIMAL128; "tss:" "tsm:" "tsu:"
** "tsn:" timestamps in seconds, milli-, micro- or nanoseconds, without a
** time zone or in UTC, as timestamp (microseconds; nanoseconds rounded
** down); "tin" month_day_nano interval as interval (nanoseconds toward
** zero to microseconds); "c" "s" "C" "S" (int8/16, uint8/16) widen to
** i32, "I" (uint32) to i64, "f" (float32) to f64. Anything else (another
** time zone, uint64, binary, decimal256, dictionaries, nested types) fails
** with TIR_ERR_DATA naming the column and its format string.
** docs/EMBEDDING.md has the table. A column is nullable when any of its
** arrays has a NULL.
**
** int32, int64, float64 and date32 values are used in place (no copy) when
** aligned to their size, at any offset; a validity bitmap when the
** column's offset is a multiple of 64, the bitmap 8-byte aligned and the
** batch's rows a multiple of 64 (tir reads whole words); otherwise they
** are copied. Booleans are unpacked to a byte each; strings get tir's
** 16-byte header per row, long ones pointing into the Arrow bytes (no copy
** of the bytes).
**
** Ownership: the engine takes the structs passed (they are moved: the
** caller's copy has release == NULL when the call returns, whatever its
** status) and calls each release callback exactly once: on failure before
** returning, else when the data is no longer needed (the name dropped or
** registered again, or the engine freed, and every program compiled against
** it freed). The arrays must not be changed while registered. A stream is
** read to its end during the call and released before it returns; its
** arrays are kept.
**
** Threads: the registry is locked and the data reference-counted, so a
** registration may change a name while another thread compiles or runs.
** A failed registration's message is in tir_engine_errmsg (see tir.h on
** reading it when several threads share the engine). */
TIR_API tir_status tir_engine_register_arrow_stream(tir_engine *e, const char *name,
                                                    struct ArrowArrayStream *stream);
TIR_API tir_status tir_engine_register_arrow(tir_engine *e, const char *name, struct ArrowSchema *schema,
                                             struct ArrowArray *array);
/* Drops the name (programs compiled against it keep their data). TIR_ERR_ARG
** when no table has that name. */
TIR_API tir_status tir_engine_unregister(tir_engine *e, const char *name);

/* ------------------------------------------------------------ data out
** Output `out` of a compiled program as an ArrowSchema: a struct ("+s")
** with one child per column, named as the output's columns, with the
** ARROW_FLAG_NULLABLE flag when the column may hold NULLs. Available after
** tir_compile, before any run. The caller owns *schema (call its release). */
TIR_API size_t tir_program_noutputs(const tir_program *p);
TIR_API const char *tir_program_output_name(const tir_program *p, size_t out);
TIR_API tir_status tir_program_output_arrow_schema(const tir_program *p, size_t out, struct ArrowSchema *schema);

/* Output `out` of a finished run as an ArrowArrayStream of its batches
** (one struct array per batch of tir_result_batch_rows rows). The stream
** and every array it hands out own their memory: they stay valid after
** tir_result_free, and the result's output is moved into the stream (the
** result then reports that output as having no rows and no batches; export
** each output once). Column data of i32, i64, f64 and date columns is
** passed as it is (no copy), as are timestamps ("tsu:", microseconds
** without a time zone); bools are packed to bits, decimal(p, s) columns
** written as decimal128 "d:P,S" (p <= 18: each value sign-extended to 16
** bytes, little-endian; 19 <= p <= 38 as they are), intervals as "tin"
** month_day_nano (microseconds times 1000) and strings as utf8 ("u"; a
** batch whose strings pass 2 GiB fails get_next with EOVERFLOW). The caller owns *stream; the result may be freed first. */
TIR_API tir_status tir_result_arrow_stream(tir_result *r, size_t out, struct ArrowArrayStream *stream);

/* Runs p on a thread of its own and hands output `out` over as an
** ArrowArrayStream while the program runs: when the output is a relation
** the program emits (a filter's or project's rows, say) and no pipeline
** reads, its rows leave as they are made, a batch or so at a time, and the
** run waits while 4 chunks wait for the host (so memory holds a few
** batches, not the output); the pipeline that makes it runs on one worker
** (rows keep their order). Any other output (an aggregate's, a sort's)
** arrives whole when the run ends. get_next blocks until a batch is there;
** a failed run makes get_next return EIO (ENOMEM) after the rows already
** made, with the run's message in get_last_error. Releasing the stream
** stops the run (at its next batch) and waits for its thread. Other
** outputs of the run are dropped. TIR_ERR_COMPILE when p did not compile.
**
** While the stream is open (until its release) the program is busy: a
** tir_run, tir_run_arrow_stream, tir_bind_* or tir_clear_bindings on it
** fails with TIR_ERR_ARG, said in tir_engine_errmsg. The stream holds p
** and its engine: tir_program_free(p) and tir_engine_free may be called
** while it is open (the host then no longer uses them); the stream still
** runs to its end, and their memory is released with the stream. */
TIR_API tir_status tir_run_arrow_stream(tir_program *p, size_t out, struct ArrowArrayStream *stream);

#ifdef __cplusplus
}
#endif
#endif
