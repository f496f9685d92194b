/*
** result.c — tir.Result (a finished run) and tir.Output (one of its
** outputs): printed as tirrun prints them (tirrun/format.c, compiled into
** the module), read as numpy arrays or rows, handed over as Arrow streams.
** A Result with a single output reads as that output.
*/
#include "tirpy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

/* As many rows as tirrun's interactive session shows, head and tail. */
#define REPR_MAXROWS 40

typedef struct RowIterObject {
    PyObject_HEAD
    OutputObject *output;     /* strong */
    size_t batch, nbatches;
    uint32_t row;
} RowIterObject;

static PyTypeObject RowIterType;

/* ---- outputs ------------------------------------------------------------- */

static int check_data(ResultObject *ro, size_t out)
{
    if (ro->exported[out]) {
        PyErr_Format(tirpy_Error, "output '%s' was handed over as an Arrow stream: its rows moved there",
                     tir_result_output_name(ro->r, out));
        return -1;
    }
    return 0;
}

/* Output out of r rendered in format kind ("table", "csv", "json",
** "markdown"); maxrows as tirrun's REPL (0: all). */
static PyObject *format_output(ResultObject *ro, bool one, size_t out, const char *kind, uint64_t maxrows)
{
    fmt_opts fo = { .maxrows = maxrows, .one_output = one, .output = out };
    char *buf = NULL;
    size_t len = 0;
    FILE *f;
    bool ok;
    PyObject *s;

    if (!fmt_parse_kind(kind, &fo.kind)) {
        PyErr_Format(PyExc_ValueError, "format '%s': use table, csv, json or markdown", kind);
        return NULL;
    }
    for (size_t i = 0; i < ro->noutputs; i++)
        if ((!one || i == out) && check_data(ro, i) < 0)
            return NULL;
    if ((f = open_memstream(&buf, &len)) == NULL)
        return PyErr_NoMemory();
    ro->readers++;
    Py_BEGIN_ALLOW_THREADS
    ok = fmt_result_opts(f, ro->r, &fo);
    Py_END_ALLOW_THREADS
    ro->readers--;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        free(buf);
        return PyErr_NoMemory();
    }
    /* bytes that are not UTF-8 were already escaped by the table format */
    s = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)len, "replace");
    free(buf);
    return s;
}

static PyObject *columns_tuple(const tir_result *r, size_t out, bool types)
{
    size_t n = tir_result_ncols(r, out);
    PyObject *t = PyTuple_New((Py_ssize_t)n);
    for (size_t c = 0; t && c < n; c++) {
        PyObject *s = types ? tirpy_type_label(r, out, c) : PyUnicode_FromString(tir_result_col_name(r, out, c));
        if (s == NULL)
            Py_CLEAR(t);
        else
            PyTuple_SET_ITEM(t, (Py_ssize_t)c, s);
    }
    return t;
}

static PyObject *output_to_numpy(ResultObject *ro, size_t out)
{
    if (check_data(ro, out) < 0)
        return NULL;
    return tirpy_output_numpy(ro->r, out);
}

static PyObject *output_column(ResultObject *ro, size_t out, PyObject *key)
{
    size_t n = tir_result_ncols(ro->r, out);
    const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
    if (name == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "index an output by column name (str)");
        return NULL;
    }
    if (check_data(ro, out) < 0)
        return NULL;
    for (size_t c = 0; c < n; c++)
        if (strcmp(tir_result_col_name(ro->r, out, c), name) == 0)
            return tirpy_column_numpy(ro->r, out, c);
    PyErr_Format(PyExc_KeyError, "output '%s' has no column '%s'", tir_result_output_name(ro->r, out), name);
    return NULL;
}

static PyObject *output_fetchall(ResultObject *ro, size_t out)
{
    size_t ncols = tir_result_ncols(ro->r, out), nb = tir_result_nbatches(ro->r, out);
    PyObject *rows;

    if (check_data(ro, out) < 0 || (rows = PyList_New(0)) == NULL)
        return NULL;
    for (size_t b = 0; b < nb; b++) {
        uint32_t n = tir_result_batch_rows(ro->r, out, b);
        for (uint32_t i = 0; i < n; i++) {
            PyObject *t = PyTuple_New((Py_ssize_t)ncols);
            for (size_t c = 0; t && c < ncols; c++) {
                PyObject *v = tirpy_value(ro->r, out, b, c, i);
                if (v == NULL)
                    Py_CLEAR(t);
                else
                    PyTuple_SET_ITEM(t, (Py_ssize_t)c, v);
            }
            if (t == NULL || PyList_Append(rows, t) < 0) {
                Py_XDECREF(t);
                Py_DECREF(rows);
                return NULL;
            }
            Py_DECREF(t);
        }
    }
    return rows;
}

/* __arrow_c_stream__: the output's rows move into the stream (tir.h). The
** stream keeps the Result, so data it borrows from the program stays. */
static PyObject *output_arrow(ResultObject *ro, size_t out, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "requested_schema", NULL };
    PyObject *requested = Py_None;
    struct ArrowArrayStream stream;
    tir_status st;

    /* requested_schema is a request the producer may ignore (the PyCapsule
    ** interface): tir hands out its own types, which the consumer casts */
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:__arrow_c_stream__", kwlist, &requested))
        return NULL;
    if (check_data(ro, out) < 0)
        return NULL;
    if (ro->readers > 0) {
        /* the export moves the columns another thread is printing */
        PyErr_SetString(tirpy_Error, "the result is being printed on another thread");
        return NULL;
    }
    if ((st = tir_result_arrow_stream(ro->r, out, &stream)) != TIR_OK)
        return tirpy_raise(st, "cannot export the output as an Arrow stream");
    ro->exported[out] = true;
    return tirpy_stream_capsule(&stream, (PyObject *)ro);
}

static PyObject *output_iter(OutputObject *oo)
{
    RowIterObject *it;
    if (check_data(oo->result, oo->out) < 0 || (it = PyObject_New(RowIterObject, &RowIterType)) == NULL)
        return NULL;
    it->output = (OutputObject *)Py_NewRef(oo);
    it->batch = 0;
    it->row = 0;
    it->nbatches = tir_result_nbatches(oo->result->r, oo->out);
    return (PyObject *)it;
}

static PyObject *format_method(ResultObject *ro, bool one, size_t out, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "format", "max_rows", NULL };
    const char *kind = "table";
    unsigned long long maxrows = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|sK:format", kwlist, &kind, &maxrows))
        return NULL;
    return format_output(ro, one, out, kind, maxrows);
}

/* ---- tir.Output ------------------------------------------------------------ */

static OutputObject *output_new(ResultObject *ro, size_t out)
{
    OutputObject *oo = PyObject_New(OutputObject, &tirpy_OutputType);
    if (oo != NULL) {
        oo->result = (ResultObject *)Py_NewRef(ro);
        oo->out = out;
    }
    return oo;
}

static void Output_dealloc(OutputObject *self)
{
    Py_XDECREF(self->result);
    PyObject_Free(self);
}

/* The box table without its last newline, which print() adds back. */
static PyObject *repr_text(PyObject *s)
{
    Py_ssize_t n = s ? PyUnicode_GET_LENGTH(s) : 0;
    if (n > 0 && PyUnicode_READ_CHAR(s, n - 1) == '\n')
        Py_SETREF(s, PyUnicode_Substring(s, 0, n - 1));
    return s;
}

static PyObject *Output_repr(OutputObject *self)
{
    return repr_text(format_output(self->result, true, self->out, "table", REPR_MAXROWS));
}

static Py_ssize_t Output_len(OutputObject *self)
{
    return (Py_ssize_t)tir_result_nrows(self->result->r, self->out);
}

static PyObject *Output_getitem(OutputObject *self, PyObject *key)
{
    return output_column(self->result, self->out, key);
}

static PyObject *Output_to_numpy(OutputObject *self, PyObject *noargs)
{
    (void)noargs;
    return output_to_numpy(self->result, self->out);
}

static PyObject *Output_fetchall(OutputObject *self, PyObject *noargs)
{
    (void)noargs;
    return output_fetchall(self->result, self->out);
}

static PyObject *Output_format(OutputObject *self, PyObject *args, PyObject *kw)
{
    return format_method(self->result, true, self->out, args, kw);
}

static PyObject *Output_arrow(OutputObject *self, PyObject *args, PyObject *kw)
{
    return output_arrow(self->result, self->out, args, kw);
}

static PyObject *Output_get_name(OutputObject *self, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(tir_result_output_name(self->result->r, self->out));
}

static PyObject *Output_get_columns(OutputObject *self, void *closure)
{
    (void)closure;
    return columns_tuple(self->result->r, self->out, false);
}

static PyObject *Output_get_types(OutputObject *self, void *closure)
{
    (void)closure;
    return columns_tuple(self->result->r, self->out, true);
}

static PyObject *Output_get_num_rows(OutputObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromUnsignedLongLong(tir_result_nrows(self->result->r, self->out));
}

#define ARROW_DOC "__arrow_c_stream__(requested_schema=None) -> PyCapsule 'arrow_array_stream' of the rows\n" \
    "(the Arrow PyCapsule interface). The rows move into the stream: export an output once."
#define FORMAT_DOC "format(format='table', max_rows=0) -> str: as tirrun --format prints it\n" \
    "(table, csv, json, markdown); max_rows > 0 shows the first and last rows only."

static PyMethodDef Output_methods[] = {
    { "to_numpy", (PyCFunction)Output_to_numpy, METH_NOARGS,
      "to_numpy() -> dict of column -> numpy array (nullable columns as numpy.ma masked arrays)." },
    { "fetchall", (PyCFunction)Output_fetchall, METH_NOARGS, "fetchall() -> list of row tuples." },
    { "format", (PyCFunction)(void (*)(void))Output_format, METH_VARARGS | METH_KEYWORDS, FORMAT_DOC },
    { "__arrow_c_stream__", (PyCFunction)(void (*)(void))Output_arrow, METH_VARARGS | METH_KEYWORDS, ARROW_DOC },
    { NULL, NULL, 0, NULL }
};

static PyGetSetDef Output_getset[] = {
    { "name", (getter)Output_get_name, NULL, "The output's name.", NULL },
    { "columns", (getter)Output_get_columns, NULL, "Column names.", NULL },
    { "types", (getter)Output_get_types, NULL, "Column types ('i64', 'decimal(15,2)', 'string?' when nullable).", NULL },
    { "num_rows", (getter)Output_get_num_rows, NULL, "Number of rows.", NULL },
    { NULL, NULL, NULL, NULL, NULL }
};

static PyMappingMethods Output_mapping = { .mp_length = (lenfunc)Output_len,
                                           .mp_subscript = (binaryfunc)Output_getitem };

PyTypeObject tirpy_OutputType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tir.Output",
    .tp_basicsize = sizeof(OutputObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One output of a run: its rows, as a box table, numpy arrays, tuples or an Arrow stream.",
    .tp_dealloc = (destructor)Output_dealloc,
    .tp_repr = (reprfunc)Output_repr,
    .tp_as_mapping = &Output_mapping,
    .tp_iter = (getiterfunc)output_iter,
    .tp_methods = Output_methods,
    .tp_getset = Output_getset,
};

/* ---- row iterator ------------------------------------------------------------ */

static void RowIter_dealloc(RowIterObject *self)
{
    Py_XDECREF(self->output);
    PyObject_Free(self);
}

static PyObject *RowIter_next(RowIterObject *self)
{
    ResultObject *ro = self->output->result;
    size_t out = self->output->out, ncols = tir_result_ncols(ro->r, out);
    PyObject *t;

    if (check_data(ro, out) < 0)
        return NULL;
    while (self->batch < self->nbatches && self->row >= tir_result_batch_rows(ro->r, out, self->batch)) {
        self->batch++;
        self->row = 0;
    }
    if (self->batch >= self->nbatches)
        return NULL;
    if ((t = PyTuple_New((Py_ssize_t)ncols)) == NULL)
        return NULL;
    for (size_t c = 0; c < ncols; c++) {
        PyObject *v = tirpy_value(ro->r, out, self->batch, c, self->row);
        if (v == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, (Py_ssize_t)c, v);
    }
    self->row++;
    return t;
}

static PyTypeObject RowIterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tir.RowIterator",
    .tp_basicsize = sizeof(RowIterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)RowIter_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)RowIter_next,
};

/* ---- tir.Result ---------------------------------------------------------------- */

static const char *result_output_name(const void *r, size_t i)
{
    return tir_result_output_name(r, i);
}

/* The output a Result stands for: its only one. */
static OutputObject *only_output(ResultObject *self)
{
    if (self->noutputs != 1) {
        PyObject *names = tirpy_names(self->noutputs, result_output_name, self->r);
        if (names != NULL)
            PyErr_Format(tirpy_Error, "the program has %zu outputs %S: pick one with result.output(name)",
                         self->noutputs, names);
        Py_XDECREF(names);
        return NULL;
    }
    return output_new(self, 0);
}

/* Calls Output's method `name` on the only output. */
static PyObject *delegate(ResultObject *self, const char *name, PyObject *args, PyObject *kw)
{
    OutputObject *oo = only_output(self);
    PyObject *m, *res = NULL;
    if (oo == NULL)
        return NULL;
    if ((m = PyObject_GetAttrString((PyObject *)oo, name)) != NULL) {
        PyObject *a = args ? Py_NewRef(args) : PyTuple_New(0);
        res = a ? PyObject_Call(m, a, kw) : NULL;
        Py_XDECREF(a);
        Py_DECREF(m);
    }
    Py_DECREF(oo);
    return res;
}

static PyObject *Result_to_numpy(ResultObject *self, PyObject *args)
{
    return delegate(self, "to_numpy", args, NULL);
}

static PyObject *Result_fetchall(ResultObject *self, PyObject *args)
{
    return delegate(self, "fetchall", args, NULL);
}

static PyObject *Result_arrow(ResultObject *self, PyObject *args, PyObject *kw)
{
    return delegate(self, "__arrow_c_stream__", args, kw);
}

static PyObject *Result_format(ResultObject *self, PyObject *args, PyObject *kw)
{
    return format_method(self, false, 0, args, kw);
}

static PyObject *Result_output(ResultObject *self, PyObject *key)
{
    size_t i;
    if (PyUnicode_Check(key)) {
        const char *name = PyUnicode_AsUTF8(key);
        if (name == NULL)
            return NULL;
        for (i = 0; i < self->noutputs && strcmp(tir_result_output_name(self->r, i), name) != 0; i++)
            ;
        if (i == self->noutputs) {
            PyErr_Format(PyExc_KeyError, "the result has no output '%s'", name);
            return NULL;
        }
    } else {
        Py_ssize_t k = PyNumber_AsSsize_t(key, PyExc_IndexError);
        if (k == -1 && PyErr_Occurred())
            return NULL;
        if (k < 0)
            k += (Py_ssize_t)self->noutputs;
        if (k < 0 || (size_t)k >= self->noutputs) {
            PyErr_Format(PyExc_IndexError, "output %zd: the result has %zu", k, self->noutputs);
            return NULL;
        }
        i = (size_t)k;
    }
    return (PyObject *)output_new(self, i);
}

static PyObject *Result_repr(ResultObject *self)
{
    return repr_text(format_output(self, false, 0, "table", REPR_MAXROWS));
}

static Py_ssize_t Result_len(ResultObject *self)
{
    OutputObject *oo = only_output(self);
    Py_ssize_t n;
    if (oo == NULL)
        return -1;
    n = Output_len(oo);
    Py_DECREF(oo);
    return n;
}

static PyObject *Result_getitem(ResultObject *self, PyObject *key)
{
    OutputObject *oo = only_output(self);
    PyObject *res;
    if (oo == NULL)
        return NULL;
    res = Output_getitem(oo, key);
    Py_DECREF(oo);
    return res;
}

static PyObject *Result_iter(ResultObject *self)
{
    OutputObject *oo = only_output(self);
    PyObject *it;
    if (oo == NULL)
        return NULL;
    it = output_iter(oo);
    Py_DECREF(oo);
    return it;
}

static PyObject *Result_get_only(ResultObject *self, void *closure)
{
    OutputObject *oo = only_output(self);
    PyObject *v;
    if (oo == NULL)
        return NULL;
    v = PyObject_GetAttrString((PyObject *)oo, (const char *)closure);
    Py_DECREF(oo);
    return v;
}

static PyObject *Result_get_outputs(ResultObject *self, void *closure)
{
    (void)closure;
    return tirpy_names(self->noutputs, result_output_name, self->r);
}

static PyObject *Result_get_profile(ResultObject *self, void *closure)
{
    (void)closure;
    const char *p = tir_result_profile(self->r);
    return PyUnicode_FromString(p ? p : "");
}

static PyObject *Result_get_peak_bytes(ResultObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromUnsignedLongLong(tir_result_peak_bytes(self->r));
}

static void Result_dealloc(ResultObject *self)
{
    if (self->r != NULL)
        tir_result_free(self->r);
    PyMem_Free(self->exported);
    Py_XDECREF(self->program);
    PyObject_Free(self);
}

static PyMethodDef Result_methods[] = {
    { "output", (PyCFunction)Result_output, METH_O, "output(name or index) -> Output." },
    { "to_numpy", (PyCFunction)Result_to_numpy, METH_NOARGS, "Output.to_numpy() of the only output." },
    { "fetchall", (PyCFunction)Result_fetchall, METH_NOARGS, "Output.fetchall() of the only output." },
    { "format", (PyCFunction)(void (*)(void))Result_format, METH_VARARGS | METH_KEYWORDS,
      "format(format='table', max_rows=0) -> str: every output, as tirrun prints them." },
    { "__arrow_c_stream__", (PyCFunction)(void (*)(void))Result_arrow, METH_VARARGS | METH_KEYWORDS, ARROW_DOC },
    { NULL, NULL, 0, NULL }
};

static PyGetSetDef Result_getset[] = {
    { "outputs", (getter)Result_get_outputs, NULL, "Names of the outputs, in order.", NULL },
    { "name", (getter)Result_get_only, NULL, "The only output's name.", "name" },
    { "columns", (getter)Result_get_only, NULL, "The only output's column names.", "columns" },
    { "types", (getter)Result_get_only, NULL, "The only output's column types.", "types" },
    { "num_rows", (getter)Result_get_only, NULL, "The only output's number of rows.", "num_rows" },
    { "profile", (getter)Result_get_profile, NULL, "Rows and time per statement (Engine(profile=True) times them).", NULL },
    { "peak_bytes", (getter)Result_get_peak_bytes, NULL, "Most bytes the run held at once.", NULL },
    { NULL, NULL, NULL, NULL, NULL }
};

static PyMappingMethods Result_mapping = { .mp_length = (lenfunc)Result_len,
                                           .mp_subscript = (binaryfunc)Result_getitem };

PyTypeObject tirpy_ResultType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tir.Result",
    .tp_basicsize = sizeof(ResultObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The outputs of a run. print() shows them as tirrun does; with one output, the Result\n"
              "reads as that Output (columns, num_rows, len, iteration, to_numpy, [column], Arrow).",
    .tp_dealloc = (destructor)Result_dealloc,
    .tp_repr = (reprfunc)Result_repr,
    .tp_as_mapping = &Result_mapping,
    .tp_iter = (getiterfunc)Result_iter,
    .tp_methods = Result_methods,
    .tp_getset = Result_getset,
};

int tirpy_rowiter_ready(void)
{
    return PyType_Ready(&RowIterType);
}
