/*
** tirpy.h — what the files of the Python module `tir` (python/) share: the
** object types, the error mapping, the Arrow and numpy conversions.
**
** The module is a client of the public API only (tir.h, tir_arrow.h), as
** tirrun is. Ownership on the Python side is by reference: a Program holds
** its Engine (a tir_program must be freed before its engine), a Result its
** Program (its strings may point into data the program's registrations
** hold), an Output its Result, and every Arrow stream handed to Python its
** Result or Program, until the consumer releases it.
*/
#ifndef TIRPY_H
#define TIRPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* numpy's C API is a table of pointers set by import_array() in module.c;
** the other files reach the same table through this name. */
#define PY_ARRAY_UNIQUE_SYMBOL tirpy_numpy_api
#ifndef TIRPY_IMPORT_ARRAY
#define NO_IMPORT_ARRAY
#endif
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include "tir_arrow.h"

typedef struct EngineObject {
    PyObject_HEAD
    tir_engine *e;
} EngineObject;

typedef struct ProgramObject {
    PyObject_HEAD
    EngineObject *engine;     /* strong */
    tir_program *p;
    bool streaming;           /* a live stream runs it: no bind or run until released */
    bool running;             /* a thread runs it without the GIL: no bind or run meanwhile */
} ProgramObject;

typedef struct ResultObject {
    PyObject_HEAD
    ProgramObject *program;   /* strong */
    tir_result *r;
    size_t noutputs;
    bool *exported;           /* per output: moved into an Arrow stream */
    int readers;              /* threads printing it without the GIL: no export meanwhile */
} ResultObject;

typedef struct OutputObject {
    PyObject_HEAD
    ResultObject *result;     /* strong */
    size_t out;
} OutputObject;

extern PyTypeObject tirpy_EngineType, tirpy_ProgramType, tirpy_ResultType, tirpy_OutputType,
    tirpy_StreamType;

/* module.c: the exception classes (tir.Error and its subclasses) */
extern PyObject *tirpy_Error, *tirpy_CompileError, *tirpy_ExecutionError, *tirpy_DataError,
    *tirpy_FileError, *tirpy_OutOfMemoryError, *tirpy_CancelledError, *tirpy_ArgumentError,
    *tirpy_ParameterTypeError;
/* Raises the exception of status st with msg; returns NULL. */
PyObject *tirpy_raise(tir_status st, const char *msg);
/* Raises CompileError with p's diagnostics; returns NULL. */
PyObject *tirpy_raise_compile(const tir_program *p);
/* The engine tir.run() and tir.register() use, made on first use (borrowed). */
EngineObject *tirpy_default_engine(void);
/* A tuple of the n names name(obj, i). */
PyObject *tirpy_names(size_t n, const char *(*name)(const void *obj, size_t i), const void *obj);

/* engine.c */
int tirpy_register(EngineObject *eo, const char *name, PyObject *obj);
ProgramObject *tirpy_compile(EngineObject *eo, PyObject *text, const char *file);
PyObject *tirpy_run_text(EngineObject *eo, PyObject *text, PyObject *params, bool stream, Py_ssize_t out);

/* result.c: readies the row iterator's type (not in the module's namespace) */
int tirpy_rowiter_ready(void);

/* program.c */
int tirpy_bind(ProgramObject *po, PyObject *params);
ResultObject *tirpy_program_run(ProgramObject *po);
PyObject *tirpy_program_stream(ProgramObject *po, Py_ssize_t out);

/* arrow_capsule.c: a stream wrapped so that `owner` lives until the
** consumer releases it, in a capsule named "arrow_array_stream" whose
** destructor releases a stream nobody took. Steals *stream (moved). */
PyObject *tirpy_stream_capsule(struct ArrowArrayStream *stream, PyObject *owner);
/* The stream inside a capsule from __arrow_c_stream__, NULL (error set) if
** it is not one or was already taken. */
struct ArrowArrayStream *tirpy_capsule_stream(PyObject *capsule);
PyObject *tirpy_stream_new(ProgramObject *po, struct ArrowArrayStream *stream);

/* numpy_in.c: a dict of numpy arrays as an Arrow stream of record batches
** (the engine registers it). 0, or -1 with an error set naming the column. */
int tirpy_numpy_stream(PyObject *columns, const char *table, struct ArrowArrayStream *out);

/* numpy_out.c: output `out` of r as numpy arrays (column), a dict of them,
** and as Python values (rows). */
PyObject *tirpy_column_numpy(const tir_result *r, size_t out, size_t col);
PyObject *tirpy_output_numpy(const tir_result *r, size_t out);
PyObject *tirpy_value(const tir_result *r, size_t out, size_t b, size_t col, uint32_t row);
/* "decimal(15,2)?", "i64": a result column's type as the box table's second row says it. */
PyObject *tirpy_type_label(const tir_result *r, size_t out, size_t col);
PyObject *tirpy_decimal_label(int prec, int scale, bool nullable);
/* v (times 10^scale) as an exact decimal.Decimal; as text into buf (>= 24
** bytes: "-12.50"), returning its length. */
PyObject *tirpy_decimal(int64_t v, int scale);
/* decimal.Decimal (borrowed, imported once); NULL with an error set. */
PyObject *tirpy_decimal_class(void);
int tirpy_decimal_text(int64_t v, int scale, char *buf);
/* v / 10^scale, the double nearest to it (for |v| < 2^53). */
double tirpy_decimal_f64(int64_t v, int scale);
/* A decimal of more than 18 digits as the double nearest to its text. */
double tirpy_decimal128_f64(tir_dec128 v, int scale);
/* numpy.ma.MaskedArray(data, mask=mask), stealing both; datetime64[D]. */
PyObject *tirpy_masked(PyObject *data, PyObject *mask);
PyArray_Descr *tirpy_date_descr(void);
PyArray_Descr *tirpy_datetime_descr(const char *unit);   /* "M8[us]" ... */

/* arrow_numpy.c: a record batch of tir's output formats as numpy arrays. */
PyObject *tirpy_batch_numpy(const struct ArrowSchema *schema, const struct ArrowArray *batch);

/* Days since 1970-01-01 to and from datetime.date; tirpy_date_days returns
** -1 when v is no date (-2: a datetime, which has a time of day), with no
** error set. tirpy_datetime_init imports datetime's C API, once. */
int tirpy_datetime_init(void);
PyObject *tirpy_date(int32_t days);
int tirpy_date_days(PyObject *v, int32_t *days);
/* Microseconds since 1970-01-01 00:00:00 to and from a naive
** datetime.datetime; tirpy_timestamp_micros returns -1 when v is none (-2:
** one with a time zone), with no error set. */
PyObject *tirpy_timestamp(int64_t us);
int tirpy_timestamp_micros(PyObject *v, int64_t *us);
/* Intervals to and from datetime.timedelta, a month as 30 days (DuckDB's
** Python client does the same); tirpy_interval_of returns -1 when v is
** not a timedelta. */
PyObject *tirpy_interval(tir_interval v);
/* An interval's microseconds, a month as 30 days; false when they overflow. */
bool tirpy_interval_micros(tir_interval v, int64_t *us);
int tirpy_interval_of(PyObject *v, tir_interval *out);

#endif
