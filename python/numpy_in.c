/*
** numpy_in.c — a dict of numpy arrays as an Arrow stream of record batches,
** which the engine registers as a table (tir_engine_register_arrow_stream).
**
** Numbers and booleans' validity are used in place where Arrow's layout is
** numpy's (int8..int64, uint8..uint32, float32/64, C-contiguous, native
** byte order): the table holds a reference to those arrays until tir
** releases the last batch. Booleans are packed to bits, datetime64[D] is
** narrowed to date32, datetime64[us] copied as timestamps, and strings (str, bytes or object arrays of them)
** are written as large utf8; NULLs come from a numpy.ma mask, a (values,
** validity) tuple, NaT or None. An object array of decimal.Decimal (and
** None) becomes decimal128, a decimal(p, s) column. The batches are slices of 64Ki rows of the
** same buffers, so that a parallel scan has morsels to share out.
*/
#include "tirpy.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_ROWS 65536   /* a multiple of 64: validity bitmaps stay in place */

typedef struct np_col {
    char *name;
    const char *format;
    const void *values;       /* values, bits (bool) or utf8 bytes */
    const int64_t *offsets;   /* strings: n + 1 offsets */
    uint64_t *validity;       /* NULL: no NULL */
    int64_t *chunk_nulls;     /* NULLs per chunk, when validity */
} np_col;

/* Shared by the stream and every batch it hands out. */
typedef struct np_table {
    _Atomic int refs;
    int64_t nrows, nchunks, next;
    int ncols;
    np_col *cols;
    PyObject *keep;           /* list of the arrays used in place */
    void **owned;             /* malloc'd buffers */
    size_t nowned, capowned;
} np_table;

static void table_unref(np_table *t)
{
    if (atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    if (t->keep != NULL) {
        /* the last release may come from any thread, with or without the GIL */
        PyGILState_STATE g = PyGILState_Ensure();
        Py_DECREF(t->keep);
        PyGILState_Release(g);
    }
    for (int c = 0; c < t->ncols; c++)
        free(t->cols[c].name);
    for (size_t i = 0; i < t->nowned; i++)
        free(t->owned[i]);
    free(t->owned);
    free(t->cols);
    free(t);
}

/* The table frees p (malloc'd) with itself; else p is freed now. -1 with
** MemoryError set. */
static int table_own(np_table *t, void *p)
{
    if (t->nowned == t->capowned) {
        size_t cap = t->capowned ? 2 * t->capowned : 16;
        void **o = realloc(t->owned, cap * sizeof *o);
        if (o == NULL) {
            free(p);
            PyErr_NoMemory();
            return -1;
        }
        t->owned = o;
        t->capowned = cap;
    }
    t->owned[t->nowned++] = p;
    return 0;
}

/* calloc'd memory the table frees; NULL with MemoryError set. */
static void *table_alloc(np_table *t, size_t bytes)
{
    void *p = calloc(1, bytes ? bytes : 1);
    if (p == NULL)
        return PyErr_NoMemory();
    return table_own(t, p) < 0 ? NULL : p;
}

static int keep(np_table *t, PyArrayObject *a)
{
    return PyList_Append(t->keep, (PyObject *)a);
}

/* ---- NULLs ---------------------------------------------------------------- */

/* Marks row i NULL, making the bitmap (all valid) on the first one. */
static int set_null(np_table *t, np_col *c, int64_t i)
{
    if (c->validity == NULL) {
        size_t words = (size_t)(t->nrows + 63) / 64;
        if ((c->validity = table_alloc(t, words * 8)) == NULL ||
            (c->chunk_nulls = table_alloc(t, (size_t)t->nchunks * sizeof(int64_t) + 8)) == NULL)
            return -1;
        memset(c->validity, 0xFF, words * 8);
    }
    c->validity[i >> 6] &= ~(1ull << (i & 63));
    c->chunk_nulls[i / CHUNK_ROWS]++;
    return 0;
}

/* valid (True = a value) or mask (True = NULL): a bool array of n rows. */
static int apply_nulls(np_table *t, np_col *c, PyObject *flags, bool is_mask, const char *what)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROM_OTF(flags, NPY_BOOL, NPY_ARRAY_IN_ARRAY);
    int rc = 0;
    if (a == NULL)
        return -1;
    if (PyArray_NDIM(a) != 1 || PyArray_DIM(a, 0) != t->nrows) {
        PyErr_Format(PyExc_ValueError, "column '%s': its %s must be a 1-dimensional array of %lld booleans",
                     c->name, what, (long long)t->nrows);
        rc = -1;
    } else {
        const npy_bool *f = PyArray_DATA(a);
        for (int64_t i = 0; i < t->nrows && rc == 0; i++)
            if ((f[i] != 0) == is_mask)
                rc = set_null(t, c, i);
    }
    Py_DECREF(a);
    return rc;
}

/* ---- values ------------------------------------------------------------------- */

static int unsupported(np_col *c, PyArrayObject *a, const char *hint)
{
    PyObject *d = PyObject_Str((PyObject *)PyArray_DESCR(a));
    if (d != NULL)
        PyErr_Format(tirpy_DataError,
                     "column '%s' has dtype %U, which tir cannot read (supported: bool, int8..int64, "
                     "uint8..uint32, float32, float64, datetime64[D], datetime64[us], str, bytes, object arrays of "
                     "str/bytes/None)%s", c->name, d, hint);
    Py_XDECREF(d);
    return -1;
}

/* A numeric column used in place: the array, contiguous and native. */
static int in_place(np_table *t, np_col *c, PyArrayObject **a, const char *format)
{
    if (!PyArray_ISCARRAY_RO(*a) || !PyArray_ISNOTSWAPPED(*a)) {
        PyArray_Descr *native = PyArray_DescrNewByteorder(PyArray_DESCR(*a), NPY_NATIVE);
        PyArrayObject *copy = native ? (PyArrayObject *)PyArray_FromArray(*a, native, NPY_ARRAY_CARRAY_RO |
                                                                              NPY_ARRAY_ENSURECOPY) : NULL;
        if (copy == NULL)
            return -1;
        Py_SETREF(*a, copy);
    }
    c->format = format;
    c->values = PyArray_DATA(*a);
    return keep(t, *a);
}

static int bools(np_table *t, np_col *c, PyArrayObject *a)
{
    const char *v = PyArray_BYTES(a);
    npy_intp stride = PyArray_STRIDE(a, 0);
    uint8_t *bits = table_alloc(t, (size_t)(t->nrows + 63) / 64 * 8);
    if (bits == NULL)
        return -1;
    for (int64_t i = 0; i < t->nrows; i++)
        if (v[i * stride])
            bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    c->format = "b";
    c->values = bits;
    return 0;
}

static int dates(np_table *t, np_col *c, PyArrayObject *a)
{
    PyObject *s = PyObject_Str((PyObject *)PyArray_DESCR(a));
    const char *name = s ? PyUnicode_AsUTF8(s) : NULL;
    bool days = name && strcmp(name, "datetime64[D]") == 0;
    bool us = name && strcmp(name, "datetime64[us]") == 0;   /* a timestamp: its i64, NaT a NULL */
    int32_t *d;
    const char *v = PyArray_BYTES(a);
    npy_intp stride = PyArray_STRIDE(a, 0);

    Py_XDECREF(s);
    if (!days && !us)
        return PyErr_Occurred() ? -1
                                : unsupported(c, a, "; convert it with .astype('datetime64[D]') or .astype('datetime64[us]')");
    if (us) {
        int64_t *m = table_alloc(t, (size_t)t->nrows * 8);
        if (m == NULL)
            return -1;
        for (int64_t i = 0; i < t->nrows; i++) {
            memcpy(&m[i], v + i * stride, 8);
            if (!PyArray_ISNOTSWAPPED(a))
                m[i] = (int64_t)__builtin_bswap64((uint64_t)m[i]);
            if (m[i] == NPY_DATETIME_NAT) {
                if (set_null(t, c, i) < 0)
                    return -1;
                m[i] = 0;
            }
        }
        c->format = "tsu:";
        c->values = m;
        return 0;
    }
    if ((d = table_alloc(t, (size_t)t->nrows * 4)) == NULL)
        return -1;
    for (int64_t i = 0; i < t->nrows; i++) {
        npy_int64 x;
        memcpy(&x, v + i * stride, 8);
        if (!PyArray_ISNOTSWAPPED(a))
            x = (npy_int64)__builtin_bswap64((uint64_t)x);
        if (x == NPY_DATETIME_NAT) {
            if (set_null(t, c, i) < 0)
                return -1;
            x = 0;
        } else if (x < INT32_MIN || x > INT32_MAX) {
            PyErr_Format(tirpy_DataError, "column '%s': row %lld is a date outside date32's range", c->name,
                         (long long)i);
            return -1;
        }
        d[i] = (int32_t)x;
    }
    c->format = "tdD";
    c->values = d;
    return 0;
}

/* str, bytes and object arrays (of str, bytes, None) as large utf8. */
static int strings(np_table *t, np_col *c, PyArrayObject *a)
{
    int64_t *offsets = table_alloc(t, (size_t)(t->nrows + 1) * 8);
    size_t cap = 1024, len = 0;
    char *bytes = malloc(cap);
    int rc = -1;

    /* an object array's items are read as they are, not boxed again */
    PyObject *const *items = PyArray_TYPE(a) == NPY_OBJECT && PyArray_ISCARRAY_RO(a) ? PyArray_DATA(a) : NULL;

    if (offsets == NULL || bytes == NULL)
        goto done;
    for (int64_t i = 0; i < t->nrows; i++) {
        PyObject *v = items ? Py_NewRef(items[i]) : PyArray_GETITEM(a, PyArray_GETPTR1(a, i)), *enc = NULL;
        const char *p = NULL;
        Py_ssize_t n = 0;
        if (v == NULL)
            goto done;
        if (v == Py_None) {
            if (set_null(t, c, i) < 0) {
                Py_DECREF(v);
                goto done;
            }
        } else if (PyUnicode_Check(v)) {
            /* surrogateescape: a str decoded from bytes that were not UTF-8
            ** goes back as those bytes (PyUnicode_AsUTF8AndSize refuses it) */
            if ((p = PyUnicode_AsUTF8AndSize(v, &n)) == NULL) {
                PyErr_Clear();
                if ((enc = PyUnicode_AsEncodedString(v, "utf-8", "surrogateescape")) == NULL) {
                    Py_DECREF(v);
                    goto done;
                }
                p = PyBytes_AS_STRING(enc);
                n = PyBytes_GET_SIZE(enc);
            }
        } else if (PyBytes_Check(v)) {
            p = PyBytes_AS_STRING(v);
            n = PyBytes_GET_SIZE(v);
        } else {
            PyErr_Format(tirpy_DataError, "column '%s': row %lld holds a %.100s; an object column must hold "
                         "str, bytes or None", c->name, (long long)i, Py_TYPE(v)->tp_name);
            Py_DECREF(v);
            goto done;
        }
        if (len + (size_t)n > cap) {
            char *b;
            while (len + (size_t)n > cap)
                cap *= 2;
            if ((b = realloc(bytes, cap)) == NULL) {
                Py_XDECREF(enc);
                Py_DECREF(v);
                PyErr_NoMemory();
                goto done;
            }
            bytes = b;
        }
        memcpy(bytes + len, p, (size_t)n);
        len += (size_t)n;
        offsets[i + 1] = (int64_t)len;
        Py_XDECREF(enc);
        Py_DECREF(v);
    }
    c->values = bytes;
    if (table_own(t, bytes) < 0) {
        bytes = NULL;
        goto done;
    }
    bytes = NULL;
    c->format = "U";
    c->offsets = offsets;
    rc = 0;
done:
    free(bytes);
    return rc;
}

/* The first item of an object array that is not None is a decimal.Decimal:
** 1, else 0 (-1 with an error set). */
static int holds_decimals(PyArrayObject *a, PyObject **cls)
{
    if ((*cls = tirpy_decimal_class()) == NULL)
        return -1;
    for (npy_intp i = 0; i < PyArray_DIM(a, 0); i++) {
        PyObject *v = PyArray_GETITEM(a, PyArray_GETPTR1(a, i));
        int rc;
        if (v == NULL)
            return -1;
        rc = v == Py_None ? 2 : PyObject_IsInstance(v, *cls);
        Py_DECREF(v);
        if (rc != 2)
            return rc;
    }
    return 0;
}

/* An object array of decimal.Decimal (and None) as an Arrow decimal128
** "d:P,S": S is the most digits after the point any value has (its own
** exponent: Decimal('1.50') has two), P the most digits before it plus S;
** at most 18 digits in all, as tir's decimal(p, s). Each value is its
** 16-byte two's complement, little-endian. */
static int decimals(np_table *t, np_col *c, PyArrayObject *a, PyObject *cls)
{
    int64_t n = t->nrows;
    int *exps = calloc((size_t)n + 1, sizeof *exps);
    int64_t *mant = calloc((size_t)n + 1, sizeof *mant);
    int scale = 0, intdigits = 0, rc = -1;
    int64_t *vals;
    char *fmt;

    if (exps == NULL || mant == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        PyObject *v = PyArray_GETITEM(a, PyArray_GETPTR1(a, i)), *tup = NULL, *digits, *exp;
        int is_dec, sign, nd;
        long e;
        int64_t m = 0;
        if (v == NULL)
            goto done;
        if (v == Py_None) {
            Py_DECREF(v);
            if (set_null(t, c, i) < 0)
                goto done;
            continue;
        }
        if ((is_dec = PyObject_IsInstance(v, cls)) <= 0) {
            if (is_dec == 0)
                PyErr_Format(tirpy_DataError, "column '%s': row %lld holds a %.100s; a column of decimal.Decimal "
                             "holds Decimal or None", c->name, (long long)i, Py_TYPE(v)->tp_name);
            Py_DECREF(v);
            goto done;
        }
        tup = PyObject_CallMethod(v, "as_tuple", NULL);
        if (tup == NULL) {
            Py_DECREF(v);
            goto done;
        }
        sign = (int)PyLong_AsLong(PyTuple_GET_ITEM(tup, 0));
        digits = PyTuple_GET_ITEM(tup, 1);
        exp = PyTuple_GET_ITEM(tup, 2);
        nd = (int)PyTuple_GET_SIZE(digits);
        if (!PyLong_Check(exp)) {
            PyErr_Format(tirpy_DataError, "column '%s': row %lld is %R, not a finite number", c->name, (long long)i, v);
            Py_DECREF(tup);
            Py_DECREF(v);
            goto done;
        }
        e = PyLong_AsLong(exp);
        /* leading zeros (a zero's one digit) count for nothing */
        int first = 0;
        while (first < nd - 1 && PyLong_AsLong(PyTuple_GET_ITEM(digits, first)) == 0)
            first++;
        nd -= first;
        bool zero = nd == 1 && PyLong_AsLong(PyTuple_GET_ITEM(digits, first)) == 0;
        if (nd > 18 || e < -18 || (!zero && e > 18) || (!zero && nd + e > 18)) {
            PyErr_Format(tirpy_DataError, "column '%s': row %lld is %R, which does not fit decimal(18, s): "
                         "tir's decimals hold at most 18 digits (round it with .quantize())", c->name, (long long)i, v);
            Py_DECREF(tup);
            Py_DECREF(v);
            goto done;
        }
        for (int k = 0; k < nd; k++)
            m = m * 10 + PyLong_AsLong(PyTuple_GET_ITEM(digits, first + k));
        if (zero)
            e = e < 0 ? e : 0;
        mant[i] = sign ? -m : m;
        exps[i] = (int)e;
        if (-e > scale)
            scale = (int)-e;
        if (!zero && nd + e > intdigits)
            intdigits = (int)(nd + e);
        Py_DECREF(tup);
        Py_DECREF(v);
    }
    if (intdigits + scale > 18) {
        PyErr_Format(tirpy_DataError, "column '%s' needs %d digits before the point and %d after it: tir's "
                     "decimals hold at most 18 in all (round it with .quantize())", c->name, intdigits, scale);
        goto done;
    }
    if ((vals = table_alloc(t, (size_t)n * 16)) == NULL || (fmt = table_alloc(t, 32)) == NULL)
        goto done;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = mant[i];
        for (int k = 0; k < exps[i] + scale; k++)   /* at most 18 digits in all: no overflow */
            v *= 10;
        vals[2 * i] = v;
        vals[2 * i + 1] = v < 0 ? -1 : 0;
    }
    snprintf(fmt, 32, "d:%d,%d", intdigits + scale > 0 ? intdigits + scale : 1, scale);
    c->format = fmt;
    c->values = vals;
    rc = 0;
done:
    free(exps);
    free(mant);
    return rc;
}

static int add_values(np_table *t, np_col *c, PyArrayObject **a)
{
    PyArray_Descr *d = PyArray_DESCR(*a);
    int size = (int)d->elsize;
    switch (d->kind) {
    case 'b':
        return bools(t, c, *a);
    case 'i':
        return size == 1 ? in_place(t, c, a, "c") : size == 2 ? in_place(t, c, a, "s")
             : size == 4 ? in_place(t, c, a, "i") : size == 8 ? in_place(t, c, a, "l") : unsupported(c, *a, "");
    case 'u':
        return size == 1 ? in_place(t, c, a, "C") : size == 2 ? in_place(t, c, a, "S")
             : size == 4 ? in_place(t, c, a, "I")
             : unsupported(c, *a, size == 8 ? "; uint64 does not fit i64: convert it with .astype('int64')" : "");
    case 'f':
        return size == 4 ? in_place(t, c, a, "f") : size == 8 ? in_place(t, c, a, "g") : unsupported(c, *a, "");
    case 'M':
        return dates(t, c, *a);
    case 'O': {
        PyObject *decimal_cls;
        int dec = holds_decimals(*a, &decimal_cls);
        if (dec < 0)
            return -1;
        return dec ? decimals(t, c, *a, decimal_cls) : strings(t, c, *a);
    }
    case 'U':
    case 'S':
        return strings(t, c, *a);
    default:
        return unsupported(c, *a, "");
    }
}

/* Splits one dict value into its values and NULL flags. */
static int add_column(np_table *t, np_col *c, PyObject *value, bool first)
{
    static PyObject *masked_cls;
    PyObject *values = value, *valid = NULL, *mask = NULL;
    PyArrayObject *a;
    int rc = -1;

    if (masked_cls == NULL) {
        PyObject *ma = PyImport_ImportModule("numpy.ma");
        masked_cls = ma ? PyObject_GetAttrString(ma, "MaskedArray") : NULL;
        Py_XDECREF(ma);
        if (masked_cls == NULL)
            return -1;
    }
    Py_INCREF(values);
    if (PyTuple_Check(value)) {
        if (PyTuple_GET_SIZE(value) != 2) {
            PyErr_Format(PyExc_ValueError, "column '%s': a tuple must be (values, validity)", c->name);
            Py_DECREF(values);
            return -1;
        }
        Py_SETREF(values, Py_NewRef(PyTuple_GET_ITEM(value, 0)));
        valid = PyTuple_GET_ITEM(value, 1);
    } else {
        int is_masked = PyObject_IsInstance(value, masked_cls);
        if (is_masked < 0) {
            Py_DECREF(values);
            return -1;
        }
        if (is_masked) {
            Py_SETREF(values, PyObject_GetAttrString(value, "data"));
            if (values == NULL || (mask = PyObject_GetAttrString(value, "mask")) == NULL) {
                Py_XDECREF(values);
                return -1;
            }
        }
    }
    a = (PyArrayObject *)PyArray_FROM_O(values);
    Py_DECREF(values);
    if (a == NULL)
        goto done;
    if (PyArray_NDIM(a) != 1) {
        PyErr_Format(PyExc_ValueError, "column '%s': expected a 1-dimensional array, got %d dimensions",
                     c->name, PyArray_NDIM(a));
        goto done;
    }
    if (first) {
        t->nrows = PyArray_DIM(a, 0);
        t->nchunks = (t->nrows + CHUNK_ROWS - 1) / CHUNK_ROWS;
    } else if (PyArray_DIM(a, 0) != t->nrows) {
        PyErr_Format(PyExc_ValueError, "column '%s' has %lld rows, the columns before it %lld", c->name,
                     (long long)PyArray_DIM(a, 0), (long long)t->nrows);
        goto done;
    }
    if (add_values(t, c, &a) < 0)
        goto done;
    if (valid != NULL && valid != Py_None && apply_nulls(t, c, valid, false, "validity") < 0)
        goto done;
    /* numpy.ma.nomask is a scalar False: no NULL */
    if (mask != NULL && PyArray_Check(mask) && PyArray_NDIM((PyArrayObject *)mask) == 1 &&
        apply_nulls(t, c, mask, true, "mask") < 0)
        goto done;
    rc = 0;
done:
    Py_XDECREF(a);
    Py_XDECREF(mask);
    return rc;
}

/* ---- the Arrow side -------------------------------------------------------- */

typedef struct np_batch {
    np_table *t;
    struct ArrowArray *kids;
    struct ArrowArray **kid_ptrs;
    const void **bufs;        /* 3 a column */
    const void *top_buf[1];
} np_batch;

static void child_release(struct ArrowArray *a)
{
    a->release = NULL;        /* its memory is the batch's */
}

static void batch_release(struct ArrowArray *a)
{
    np_batch *b = a->private_data;
    for (int c = 0; c < b->t->ncols; c++)
        if (b->kids[c].release != NULL)
            b->kids[c].release(&b->kids[c]);
    table_unref(b->t);
    free(b->kids);
    free(b->kid_ptrs);
    free(b->bufs);
    free(b);
    a->release = NULL;
}

static int stream_get_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
    np_table *t = s->private_data;
    np_batch *b;
    int64_t k = t->next, off = k * CHUNK_ROWS, rows;

    memset(out, 0, sizeof *out);
    if (k >= t->nchunks)
        return 0;             /* release == NULL: the end */
    rows = t->nrows - off < CHUNK_ROWS ? t->nrows - off : CHUNK_ROWS;
    b = calloc(1, sizeof *b);
    if (b == NULL || (b->kids = calloc((size_t)t->ncols + 1, sizeof *b->kids)) == NULL ||
        (b->kid_ptrs = calloc((size_t)t->ncols + 1, sizeof *b->kid_ptrs)) == NULL ||
        (b->bufs = calloc(3 * (size_t)t->ncols + 1, sizeof *b->bufs)) == NULL) {
        if (b) {
            free(b->kids);
            free(b->kid_ptrs);
        }
        free(b);
        return ENOMEM;
    }
    for (int c = 0; c < t->ncols; c++) {
        const np_col *col = &t->cols[c];
        struct ArrowArray *kid = &b->kids[c];
        const void **bufs = &b->bufs[3 * c];
        bufs[0] = col->validity;
        if (col->offsets != NULL) {
            bufs[1] = col->offsets;
            bufs[2] = col->values;
            kid->n_buffers = 3;
        } else {
            bufs[1] = col->values;
            kid->n_buffers = 2;
        }
        kid->length = rows;
        kid->offset = off;
        kid->null_count = col->validity ? col->chunk_nulls[k] : 0;
        kid->buffers = bufs;
        kid->release = child_release;
        b->kid_ptrs[c] = kid;
    }
    b->t = t;
    atomic_fetch_add(&t->refs, 1);
    out->length = rows;
    out->n_buffers = 1;
    out->buffers = b->top_buf;
    out->n_children = t->ncols;
    out->children = b->kid_ptrs;
    out->release = batch_release;
    out->private_data = b;
    t->next++;
    return 0;
}

static void schema_release(struct ArrowSchema *s)
{
    for (int64_t i = 0; i < s->n_children; i++) {
        free((char *)s->children[i]->name);
        s->children[i]->release = NULL;
    }
    free(s->private_data);   /* the children, in one block */
    free(s->children);
    s->release = NULL;
}

static void child_schema_release(struct ArrowSchema *s)
{
    s->release = NULL;
}

static int stream_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
    np_table *t = s->private_data;
    struct ArrowSchema *kids = calloc((size_t)t->ncols + 1, sizeof *kids);
    struct ArrowSchema **ptrs = calloc((size_t)t->ncols + 1, sizeof *ptrs);

    memset(out, 0, sizeof *out);
    if (kids == NULL || ptrs == NULL) {
        free(kids);
        free(ptrs);
        return ENOMEM;
    }
    for (int c = 0; c < t->ncols; c++) {
        kids[c].format = t->cols[c].format;
        kids[c].name = strdup(t->cols[c].name);
        kids[c].flags = t->cols[c].validity ? ARROW_FLAG_NULLABLE : 0;
        kids[c].release = child_schema_release;
        ptrs[c] = &kids[c];
        if (kids[c].name == NULL) {
            for (int k = 0; k < c; k++)
                free((char *)kids[k].name);
            free(kids);
            free(ptrs);
            return ENOMEM;
        }
    }
    out->format = "+s";
    out->name = "";
    out->n_children = t->ncols;
    out->children = ptrs;
    out->private_data = kids;
    out->release = schema_release;
    return 0;
}

static const char *stream_last_error(struct ArrowArrayStream *s)
{
    (void)s;
    return "out of memory";   /* the only way get_next or get_schema fail */
}

static void stream_release(struct ArrowArrayStream *s)
{
    table_unref(s->private_data);
    s->release = NULL;
}

int tirpy_numpy_stream(PyObject *columns, const char *table, struct ArrowArrayStream *out)
{
    np_table *t = calloc(1, sizeof *t);
    Py_ssize_t pos = 0, n = PyDict_Size(columns);
    PyObject *key, *value;

    if (t == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    atomic_init(&t->refs, 1);
    if ((t->keep = PyList_New(0)) == NULL || (t->cols = calloc((size_t)n + 1, sizeof *t->cols)) == NULL) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        table_unref(t);
        return -1;
    }
    if (n == 0) {
        PyErr_Format(PyExc_ValueError, "table '%s' has no column", table);
        table_unref(t);
        return -1;
    }
    while (PyDict_Next(columns, &pos, &key, &value)) {
        np_col *c = &t->cols[t->ncols];
        const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
        if (name == NULL || (c->name = strdup(name)) == NULL) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "table '%s': column names must be str", table);
            table_unref(t);
            return -1;
        }
        t->ncols++;
        if (add_column(t, c, value, t->ncols == 1) < 0) {
            table_unref(t);
            return -1;
        }
    }
    memset(out, 0, sizeof *out);
    out->get_schema = stream_get_schema;
    out->get_next = stream_get_next;
    out->get_last_error = stream_last_error;
    out->release = stream_release;
    out->private_data = t;
    return 0;
}
