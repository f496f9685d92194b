/*
** numpy_out.c — a result's columns as numpy arrays and Python values.
** Types: bool, i32, i64 and f64 as numpy's bool, int32, int64 and float64;
** date as datetime64[D]; timestamp as datetime64[us] (values: naive
** datetime.datetime); string as an object array of str (bytes that are
** not UTF-8 decoded with surrogateescape, so they encode back to the same
** bytes); decimal(p, s) as float64, the double nearest each value (as
** DuckDB's fetchnumpy does: numpy has no decimal type, and an object array
** of decimal.Decimal would be slow to make and to compute on), while a
** single value (tirpy_value: fetchall, iteration) is an exact
** decimal.Decimal. A column the program says is nullable comes as a numpy.ma masked
** array (masked = NULL; underneath 0, NaT or None), whether or not this
** run made a NULL, so a program's columns always have the same Python type.
*/
#include "tirpy.h"
#include <datetime.h>

#include <stdlib.h>
#include <string.h>

int tirpy_datetime_init(void)
{
    PyDateTime_IMPORT;
    return PyDateTimeAPI == NULL ? -1 : 0;
}

/* Howard Hinnant's days_from_civil and civil_from_days. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

PyObject *tirpy_date(int32_t days)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 1 || y > 9999) {
        PyErr_Format(PyExc_OverflowError, "date %d-%02d-%02d is outside datetime.date's years 1..9999", y, m, d);
        return NULL;
    }
    return PyDate_FromDate(y, m, d);
}

PyObject *tirpy_timestamp(int64_t us)
{
    int64_t day = us / 86400000000, rest = us % 86400000000;
    if (rest < 0)
        day--, rest += 86400000000;
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (y < 1 || y > 9999) {
        PyErr_Format(PyExc_OverflowError, "timestamp in year %d is outside datetime.datetime's years 1..9999", y);
        return NULL;
    }
    int64_t s = rest / 1000000;
    return PyDateTime_FromDateAndTime(y, m, d, (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60),
                                      (int)(rest % 1000000));
}

int tirpy_timestamp_micros(PyObject *v, int64_t *us)
{
    if (!PyDateTime_Check(v))
        return -1;
    PyObject *tz = PyObject_GetAttrString(v, "tzinfo");
    bool aware = tz != NULL && tz != Py_None;
    Py_XDECREF(tz);
    if (aware)   /* tir's timestamps have no time zone */
        return -2;
    int64_t days = days_from_civil(PyDateTime_GET_YEAR(v), (unsigned)PyDateTime_GET_MONTH(v),
                                   (unsigned)PyDateTime_GET_DAY(v));
    *us = ((days * 24 + PyDateTime_DATE_GET_HOUR(v)) * 60 + PyDateTime_DATE_GET_MINUTE(v)) * 60 +
          PyDateTime_DATE_GET_SECOND(v);
    *us = *us * 1000000 + PyDateTime_DATE_GET_MICROSECOND(v);
    return 0;
}

/* As DuckDB's Python client converts intervals: a month is 30 days (a
** timedelta has no months). */
bool tirpy_interval_micros(tir_interval v, int64_t *us)
{
    int64_t days = (int64_t)v.months * 30 + v.days, d;
    return !__builtin_mul_overflow(days, (int64_t)86400000000, &d) && !__builtin_add_overflow(d, v.micros, us);
}

PyObject *tirpy_interval(tir_interval v)
{
    int64_t days = (int64_t)v.months * 30 + v.days + v.micros / 86400000000, us = v.micros % 86400000000;
    if (us < 0)
        days--, us += 86400000000;
    if (days < -999999999 || days > 999999999) {
        PyErr_Format(PyExc_OverflowError, "interval of %lld days is outside datetime.timedelta's range",
                     (long long)days);
        return NULL;
    }
    return PyDelta_FromDSU((int)days, (int)(us / 1000000), (int)(us % 1000000));
}

int tirpy_interval_of(PyObject *v, tir_interval *out)
{
    if (!PyDelta_Check(v))
        return -1;
    int64_t days = PyDateTime_DELTA_GET_DAYS(v);
    int64_t us = (int64_t)PyDateTime_DELTA_GET_SECONDS(v) * 1000000 + PyDateTime_DELTA_GET_MICROSECONDS(v);
    *out = (tir_interval){0, (int32_t)days, us};   /* |days| <= 999999999 */
    return 0;
}

int tirpy_date_days(PyObject *v, int32_t *days)
{
    if (PyDateTime_Check(v))
        return -2;
    if (!PyDate_Check(v))
        return -1;
    *days = (int32_t)days_from_civil(PyDateTime_GET_YEAR(v), (unsigned)PyDateTime_GET_MONTH(v),
                                     (unsigned)PyDateTime_GET_DAY(v));
    return 0;
}

static bool valid_at(const uint64_t *valid, uint32_t row)
{
    return valid == NULL || (valid[row >> 6] >> (row & 63)) & 1;
}

/* 10^k for k in 0..18, as integers and as doubles (exact: 10^18 < 2^63,
** and every 10^k with k <= 22 is a double). */
static const int64_t pow10_i[19] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000,
    100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000,
    10000000000000000, 100000000000000000, 1000000000000000000,
};

int tirpy_decimal_text(int64_t v, int scale, char *buf)
{
    char digits[24], *p = digits + sizeof digits;
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int n = 0, len = 0;
    do {
        *--p = (char)('0' + m % 10);
        n++;
    } while ((m /= 10) != 0);
    for (; n <= scale; n++)   /* at least one digit before the point */
        *--p = '0';
    if (v < 0)
        buf[len++] = '-';
    memcpy(buf + len, p, (size_t)(n - scale));
    len += n - scale;
    if (scale > 0) {
        buf[len++] = '.';
        memcpy(buf + len, p + n - scale, (size_t)scale);
        len += scale;
    }
    buf[len] = 0;
    return len;
}

PyObject *tirpy_decimal_class(void)
{
    static PyObject *cls;
    if (cls == NULL) {
        PyObject *m = PyImport_ImportModule("decimal");
        cls = m ? PyObject_GetAttrString(m, "Decimal") : NULL;
        Py_XDECREF(m);
    }
    return cls;
}

static PyObject *decimal_of_text(const char *text)
{
    PyObject *cls = tirpy_decimal_class();
    return cls == NULL ? NULL : PyObject_CallFunction(cls, "s", text);
}

PyObject *tirpy_decimal(int64_t v, int scale)
{
    char buf[48];
    tirpy_decimal_text(v, scale, buf);
    return decimal_of_text(buf);
}

/* A decimal of more than 18 digits: as Decimal exactly, as a double the
** nearest to its text (strtod rounds once). */
static PyObject *decimal128_value(tir_dec128 v, int scale)
{
    char buf[48];
    tir_decimal128_format(v, scale, buf);
    return decimal_of_text(buf);
}

double tirpy_decimal128_f64(tir_dec128 v, int scale)
{
    char buf[48];
    tir_decimal128_format(v, scale, buf);
    return strtod(buf, NULL);
}

double tirpy_decimal_f64(int64_t v, int scale)
{
    /* one rounding when |v| < 2^53 (v is exact and the division correctly
    ** rounded); two beyond it, off by at most one unit in the last place */
    return (double)v / (double)pow10_i[scale];
}

static PyObject *str_value(const tir_str *s)
{
    return PyUnicode_DecodeUTF8(tir_str_ptr(s), (Py_ssize_t)s->len, "surrogateescape");
}

PyObject *tirpy_value(const tir_result *r, size_t out, size_t b, size_t col, uint32_t row)
{
    const void *data = tir_result_batch_data(r, out, b, col);
    if (!valid_at(tir_result_batch_validity(r, out, b, col), row))
        Py_RETURN_NONE;
    switch (tir_result_col_type(r, out, col)) {
    case TIR_BOOL: return PyBool_FromLong(((const uint8_t *)data)[row]);
    case TIR_I32: return PyLong_FromLong(((const int32_t *)data)[row]);
    case TIR_I64: return PyLong_FromLongLong(((const int64_t *)data)[row]);
    case TIR_F64: return PyFloat_FromDouble(((const double *)data)[row]);
    case TIR_DATE: return tirpy_date(((const int32_t *)data)[row]);
    case TIR_TIMESTAMP: return tirpy_timestamp(((const int64_t *)data)[row]);
    case TIR_INTERVAL: return tirpy_interval(((const tir_interval *)data)[row]);
    case TIR_STRING: return str_value(&((const tir_str *)data)[row]);
    case TIR_DECIMAL: {
        int prec, scale;
        if (!tir_result_col_decimal(r, out, col, &prec, &scale))
            break;
        return tirpy_decimal(((const int64_t *)data)[row], scale);
    }
    case TIR_DECIMAL128: {
        int prec, scale;
        if (!tir_result_col_decimal(r, out, col, &prec, &scale))
            break;
        return decimal128_value(((const tir_dec128 *)data)[row], scale);
    }
    default:
        break;
    }
    PyErr_SetString(tirpy_Error, "a column of an unknown type");
    return NULL;
}

PyObject *tirpy_decimal_label(int prec, int scale, bool nullable)
{
    return PyUnicode_FromFormat("decimal(%d,%d)%s", prec, scale, nullable ? "?" : "");
}

PyObject *tirpy_type_label(const tir_result *r, size_t out, size_t col)
{
    int prec, scale;
    const char *q = tir_result_col_nullable(r, out, col) ? "?" : "";
    if (tir_result_col_decimal(r, out, col, &prec, &scale))
        return tirpy_decimal_label(prec, scale, *q != 0);
    return PyUnicode_FromFormat("%s%s", tir_type_name(tir_result_col_type(r, out, col)), q);
}

PyArray_Descr *tirpy_date_descr(void)
{
    return tirpy_datetime_descr("M8[D]");
}

PyArray_Descr *tirpy_datetime_descr(const char *unit)
{
    PyArray_Descr *d = NULL;
    PyObject *s = PyUnicode_FromString(unit);
    if (s != NULL && !PyArray_DescrConverter(s, &d))
        d = NULL;
    Py_XDECREF(s);
    return d;
}

static PyArray_Descr *column_descr(tir_type t)
{
    switch (t) {
    case TIR_BOOL: return PyArray_DescrFromType(NPY_BOOL);
    case TIR_I32: return PyArray_DescrFromType(NPY_INT32);
    case TIR_I64: return PyArray_DescrFromType(NPY_INT64);
    case TIR_F64: return PyArray_DescrFromType(NPY_FLOAT64);
    case TIR_STRING: return PyArray_DescrFromType(NPY_OBJECT);
    case TIR_DECIMAL: case TIR_DECIMAL128: return PyArray_DescrFromType(NPY_FLOAT64);
    case TIR_DATE:
        return tirpy_date_descr();
    case TIR_TIMESTAMP:
        return tirpy_datetime_descr("M8[us]");
    case TIR_INTERVAL:
        return tirpy_datetime_descr("m8[us]");
    default:
        PyErr_SetString(tirpy_Error, "a column of an unknown type");
        return NULL;
    }
}

PyObject *tirpy_masked(PyObject *data, PyObject *mask)
{
    static PyObject *cls;
    PyObject *args, *kw, *res = NULL;
    if (cls == NULL) {
        PyObject *ma = PyImport_ImportModule("numpy.ma");
        cls = ma ? PyObject_GetAttrString(ma, "MaskedArray") : NULL;
        Py_XDECREF(ma);
    }
    args = cls ? PyTuple_Pack(1, data) : NULL;
    kw = args ? Py_BuildValue("{s:O}", "mask", mask) : NULL;
    if (kw != NULL)
        res = PyObject_Call(cls, args, kw);
    Py_XDECREF(kw);
    Py_XDECREF(args);
    Py_DECREF(data);
    Py_DECREF(mask);
    return res;
}

PyObject *tirpy_column_numpy(const tir_result *r, size_t out, size_t col)
{
    tir_type t = tir_result_col_type(r, out, col);
    bool nullable = tir_result_col_nullable(r, out, col);
    npy_intp n = (npy_intp)tir_result_nrows(r, out);
    size_t nb = tir_result_nbatches(r, out), at = 0;
    PyArray_Descr *descr = column_descr(t);
    PyArrayObject *arr, *mask = NULL;
    char *dst, *mdst = NULL;
    int prec = 0, scale = 0;

    tir_result_col_decimal(r, out, col, &prec, &scale);
    if (descr == NULL)
        return NULL;
    /* PyArray_Empty fills object arrays with None; the others are filled below */
    if ((arr = (PyArrayObject *)PyArray_Empty(1, &n, descr, 0)) == NULL)
        return NULL;
    if (nullable && (mask = (PyArrayObject *)PyArray_ZEROS(1, &n, NPY_BOOL, 0)) == NULL) {
        Py_DECREF(arr);
        return NULL;
    }
    dst = PyArray_BYTES(arr);
    if (mask != NULL)
        mdst = PyArray_BYTES(mask);
    for (size_t b = 0; b < nb; b++) {
        uint32_t rows = tir_result_batch_rows(r, out, b);
        const void *data = tir_result_batch_data(r, out, b, col);
        const uint64_t *valid = tir_result_batch_validity(r, out, b, col);
        switch (t) {
        case TIR_BOOL:
            memcpy(dst + at, data, rows);
            break;
        case TIR_I32:
            memcpy(dst + at * 4, data, (size_t)rows * 4);
            break;
        case TIR_I64:
        case TIR_F64:
            memcpy(dst + at * 8, data, (size_t)rows * 8);
            break;
        case TIR_DECIMAL: {
            double *d = (double *)dst + at;
            for (uint32_t i = 0; i < rows; i++)
                d[i] = tirpy_decimal_f64(((const int64_t *)data)[i], scale);
            break;
        }
        case TIR_DECIMAL128: {
            double *d = (double *)dst + at;
            for (uint32_t i = 0; i < rows; i++)
                d[i] = tirpy_decimal128_f64(((const tir_dec128 *)data)[i], scale);
            break;
        }
        case TIR_TIMESTAMP: {
            int64_t *d = (int64_t *)dst + at;
            for (uint32_t i = 0; i < rows; i++)
                d[i] = valid_at(valid, i) ? ((const int64_t *)data)[i] : NPY_DATETIME_NAT;
            break;
        }
        case TIR_INTERVAL: {
            int64_t *d = (int64_t *)dst + at;
            for (uint32_t i = 0; i < rows; i++) {
                d[i] = NPY_DATETIME_NAT;
                if (valid_at(valid, i) && !tirpy_interval_micros(((const tir_interval *)data)[i], &d[i])) {
                    PyErr_SetString(PyExc_OverflowError, "an interval is outside timedelta64[us]'s range");
                    goto fail;
                }
            }
            break;
        }
        case TIR_DATE: {
            int64_t *d = (int64_t *)dst + at;
            for (uint32_t i = 0; i < rows; i++)
                d[i] = valid_at(valid, i) ? ((const int32_t *)data)[i] : NPY_DATETIME_NAT;
            break;
        }
        case TIR_STRING: {
            PyObject **o = (PyObject **)dst + at;
            for (uint32_t i = 0; i < rows; i++) {
                PyObject *s;
                if (!valid_at(valid, i))
                    continue;   /* stays None */
                if ((s = str_value(&((const tir_str *)data)[i])) == NULL)
                    goto fail;
                Py_SETREF(o[i], s);
            }
            break;
        }
        default:
            break;
        }
        if (valid != NULL) {
            for (uint32_t i = 0; i < rows; i++)
                if (!valid_at(valid, i)) {
                    if (mdst)
                        mdst[at + i] = 1;
                    /* numbers under a NULL are whatever the kernel left: zero them */
                    if (t == TIR_BOOL)
                        dst[at + i] = 0;
                    else if (t == TIR_I32)
                        ((int32_t *)dst)[at + i] = 0;
                    else if (t == TIR_I64)
                        ((int64_t *)dst)[at + i] = 0;
                    else if (t == TIR_F64 || t == TIR_DECIMAL || t == TIR_DECIMAL128)
                        ((double *)dst)[at + i] = 0;
                }
        }
        at += rows;
    }
    if (mask == NULL)
        return (PyObject *)arr;
    return tirpy_masked((PyObject *)arr, (PyObject *)mask);
fail:
    Py_DECREF(arr);
    Py_XDECREF(mask);
    return NULL;
}

PyObject *tirpy_output_numpy(const tir_result *r, size_t out)
{
    size_t ncols = tir_result_ncols(r, out);
    PyObject *d = PyDict_New();
    for (size_t c = 0; d && c < ncols; c++) {
        PyObject *a = tirpy_column_numpy(r, out, c);
        if (a == NULL || PyDict_SetItemString(d, tir_result_col_name(r, out, c), a) < 0)
            Py_CLEAR(d);
        Py_XDECREF(a);
    }
    return d;
}
