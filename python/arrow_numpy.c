/*
** arrow_numpy.c — one Arrow record batch of tir's output types (b, i, l, g,
** tdD, u, d:P,S) as a dict of numpy arrays, typed as numpy_out.c types a
** result's columns: a live Stream's batches, iterated from Python without
** pyarrow.
*/
#include "tirpy.h"

#include <stdio.h>
#include <string.h>

static bool bit(const uint8_t *bits, int64_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1;
}

static PyObject *column(const struct ArrowSchema *s, const struct ArrowArray *a)
{
    const char *f = s->format;
    int64_t n = a->length, off = a->offset;
    const uint8_t *valid = a->null_count != 0 && a->n_buffers > 0 ? a->buffers[0] : NULL;
    bool nullable = (s->flags & ARROW_FLAG_NULLABLE) != 0;
    npy_intp dim = (npy_intp)n;
    PyArrayObject *arr, *mask = NULL;
    PyArray_Descr *d;
    int type;
    char *dst;
    bool ts = strcmp(f, "tsu:") == 0;   /* datetime64[us], of the i64 microseconds */

    int prec = 0, scale = -1;
    if (sscanf(f, "d:%d,%d", &prec, &scale) == 2 && scale >= 0 && scale <= prec && prec <= 38) type = NPY_CDOUBLE;   /* marks decimal128 */
    else if (strcmp(f, "tin") == 0) type = NPY_TIMEDELTA;   /* tir's intervals: month_day_nano */
    else if (strcmp(f, "b") == 0) type = NPY_BOOL;
    else if (strcmp(f, "i") == 0) type = NPY_INT32;
    else if (strcmp(f, "l") == 0) type = NPY_INT64;
    else if (strcmp(f, "g") == 0) type = NPY_FLOAT64;
    else if (strcmp(f, "u") == 0) type = NPY_OBJECT;
    else if (strcmp(f, "tdD") == 0 || ts) type = NPY_DATETIME;
    else {
        PyErr_Format(tirpy_DataError, "column '%s': Arrow format '%s' is not one tir hands out", s->name, f);
        return NULL;
    }
    d = ts ? tirpy_datetime_descr("M8[us]") : type == NPY_DATETIME ? tirpy_date_descr()
           : type == NPY_TIMEDELTA ? tirpy_datetime_descr("m8[us]")
           : PyArray_DescrFromType(type == NPY_CDOUBLE ? NPY_FLOAT64 : type);
    if (d == NULL || (arr = (PyArrayObject *)PyArray_Empty(1, &dim, d, 0)) == NULL)
        return NULL;
    if (nullable && (mask = (PyArrayObject *)PyArray_ZEROS(1, &dim, NPY_BOOL, 0)) == NULL) {
        Py_DECREF(arr);
        return NULL;
    }
    dst = PyArray_BYTES(arr);
    for (int64_t i = 0; i < n; i++) {
        int64_t k = off + i;
        bool null = valid != NULL && !bit(valid, k);
        if (null && mask != NULL)
            ((npy_bool *)PyArray_BYTES(mask))[i] = 1;
        switch (type) {
        case NPY_BOOL: dst[i] = !null && bit(a->buffers[1], k); break;
        case NPY_INT32: ((int32_t *)dst)[i] = null ? 0 : ((const int32_t *)a->buffers[1])[k]; break;
        case NPY_INT64: ((int64_t *)dst)[i] = null ? 0 : ((const int64_t *)a->buffers[1])[k]; break;
        case NPY_FLOAT64: ((double *)dst)[i] = null ? 0 : ((const double *)a->buffers[1])[k]; break;
        case NPY_CDOUBLE:   /* decimal128: up to 18 digits the low half holds the value */
            ((double *)dst)[i] = null ? 0
                               : prec > 18 ? tirpy_decimal128_f64(((const tir_dec128 *)a->buffers[1])[k], scale)
                                           : tirpy_decimal_f64(((const int64_t *)a->buffers[1])[2 * k], scale);
            break;
        case NPY_TIMEDELTA: {   /* months, days and nanoseconds: tir's microseconds times 1000 */
            const uint8_t *v = (const uint8_t *)a->buffers[1] + 16 * k;
            int32_t md[2];
            int64_t ns;
            memcpy(md, v, 8);
            memcpy(&ns, v + 8, 8);
            tir_interval iv = {md[0], md[1], ns / 1000};
            ((int64_t *)dst)[i] = NPY_DATETIME_NAT;
            if (!null && !tirpy_interval_micros(iv, &((int64_t *)dst)[i])) {
                PyErr_SetString(PyExc_OverflowError, "an interval is outside timedelta64[us]'s range");
                Py_DECREF(arr);
                Py_XDECREF(mask);
                return NULL;
            }
            break;
        }
        case NPY_DATETIME:
            ((int64_t *)dst)[i] = null ? NPY_DATETIME_NAT
                                  : ts ? ((const int64_t *)a->buffers[1])[k] : ((const int32_t *)a->buffers[1])[k];
            break;
        case NPY_OBJECT:
            if (!null) {
                const int32_t *o = a->buffers[1];
                PyObject *str = PyUnicode_DecodeUTF8((const char *)a->buffers[2] + o[k], o[k + 1] - o[k],
                                                     "surrogateescape");
                if (str == NULL) {
                    Py_DECREF(arr);
                    Py_XDECREF(mask);
                    return NULL;
                }
                Py_SETREF(((PyObject **)dst)[i], str);
            }
            break;
        }
    }
    return mask == NULL ? (PyObject *)arr : tirpy_masked((PyObject *)arr, (PyObject *)mask);
}

PyObject *tirpy_batch_numpy(const struct ArrowSchema *schema, const struct ArrowArray *batch)
{
    PyObject *dict = PyDict_New();
    for (int64_t c = 0; dict && c < schema->n_children && c < batch->n_children; c++) {
        PyObject *col = column(schema->children[c], batch->children[c]);
        if (col == NULL || PyDict_SetItemString(dict, schema->children[c]->name, col) < 0)
            Py_CLEAR(dict);
        Py_XDECREF(col);
    }
    return dict;
}
