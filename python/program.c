/*
** program.c — tir.Program: a compiled program; binds Python values to its
** parameters, runs it with the GIL released (Ctrl-C cancels the run), and
** describes its parameters and outputs.
*/
#include "tirpy.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>

/* A program is used by one thread at a time (tir.h): the GIL guards these
** flags, so a second Python thread gets an error rather than a race. */
static int check_idle(ProgramObject *po)
{
    if (po->streaming) {
        PyErr_SetString(tirpy_Error, "the program is running for a live Stream: close the stream first");
        return -1;
    }
    if (po->running) {
        PyErr_SetString(tirpy_Error, "the program is running on another thread: a Program is used by "
                                     "one thread at a time (compile one per thread)");
        return -1;
    }
    return 0;
}

static PyObject *type_label(tir_type t, bool nullable)
{
    return PyUnicode_FromFormat("%s%s", tir_type_name(t), nullable ? "?" : "");
}

static const char *param_name(const void *p, size_t i)
{
    return tir_program_param_name(p, i);
}

static const char *output_name(const void *p, size_t i)
{
    return tir_program_output_name(p, i);
}

/* ---- binding ----------------------------------------------------------- */

static int bind_error(ProgramObject *po)
{
    tirpy_raise(TIR_ERR_ARG, tir_program_errmsg(po->p));
    return -1;
}

static int wrong_type(const char *name, tir_type t, PyObject *v, const char *hint)
{
    PyErr_Format(tirpy_ParameterTypeError, "parameter $%s is %s: cannot bind a %.100s%s", name,
                 tir_type_name(t), Py_TYPE(v)->tp_name, hint);
    return -1;
}

static bool is_integer(PyObject *v)
{
    return (PyLong_Check(v) && !PyBool_Check(v)) || PyArray_IsScalar(v, Integer);
}

static int is_decimal(PyObject *v)
{
    PyObject *cls = tirpy_decimal_class();
    return cls ? PyObject_IsInstance(v, cls) : -1;
}

static int does_not_fit(const char *name, int prec, int scale, PyObject *v, const char *why)
{
    PyErr_Format(tirpy_ArgumentError, "parameter $%s is decimal(%d,%d): %R %s", name, prec, scale, v, why);
    return -1;
}

static int too_big(const char *name, int prec, int scale, PyObject *v)
{
    PyErr_Format(tirpy_ArgumentError, "parameter $%s is decimal(%d,%d): %R does not fit (%d digit%s before the "
                 "point at most)", name, prec, scale, v, prec - scale, prec - scale == 1 ? "" : "s");
    return -1;
}

/* A decimal.Decimal bound exactly to a decimal(prec, scale) parameter: its
** fixed-point text to tir_bind_text, once it is known to need no rounding
** (digits after the point beyond scale must be zeros) and to fit prec. */
static int bind_decimal(ProgramObject *po, const char *name, int prec, int scale, PyObject *v, PyObject *shown)
{
    PyObject *r, *text;
    const char *s, *dot;
    long adjusted;
    int rc = -1;

    if ((r = PyObject_CallMethod(v, "is_finite", NULL)) == NULL)
        return -1;
    rc = PyObject_IsTrue(r);
    Py_DECREF(r);
    if (rc <= 0)
        return rc < 0 ? -1 : does_not_fit(name, prec, scale, shown, "is not a finite number");
    /* the exponent of its first digit: past 18, its fixed-point text would be long for nothing */
    if ((r = PyObject_CallMethod(v, "adjusted", NULL)) == NULL)
        return -1;
    adjusted = PyLong_AsLong(r);
    Py_DECREF(r);
    if (adjusted == -1 && PyErr_Occurred())
        return -1;
    if (adjusted >= prec - scale) {
        r = PyObject_CallMethod(v, "is_zero", NULL);
        rc = r ? PyObject_IsTrue(r) : -1;
        Py_XDECREF(r);
        if (rc != 1)
            return rc < 0 ? -1 : too_big(name, prec, scale, shown);
    }
    text = PyObject_CallMethod(v, "__format__", "s", "f");
    if (text == NULL || (s = PyUnicode_AsUTF8(text)) == NULL) {
        Py_XDECREF(text);
        return -1;
    }
    if ((dot = strchr(s, '.')) != NULL) {
        size_t n = strlen(dot + 1);
        while (n > 0 && dot[n] == '0')
            n--;
        if (n > (size_t)scale) {
            Py_DECREF(text);
            PyErr_Format(tirpy_ArgumentError, "parameter $%s is decimal(%d,%d): %R has %zu digits after the point, "
                         "the parameter holds %d (round it first, e.g. with .quantize(Decimal('1e-%d')))", name, prec,
                         scale, shown, n, scale, scale);
            return -1;
        }
    }
    rc = tir_bind_text(po->p, name, s, strlen(s)) == TIR_OK ? 0 : too_big(name, prec, scale, shown);
    Py_DECREF(text);
    return rc;
}

/* Binds v to parameter i (`name`): Python's own types map one to one (int
** to i32/i64/f64/decimal, float to f64/decimal, str and bytes to string,
** bool, datetime.date to date, decimal.Decimal to decimal, None to NULL),
** numpy scalars too. */
static int bind_one(ProgramObject *po, const char *name, size_t i, PyObject *v)
{
    tir_type t = tir_program_param_type(po->p, i);
    tir_status st;

    if (v == Py_None)
        st = tir_bind_null(po->p, name);
    else
        switch (t) {
        case TIR_BOOL:
            if (!PyBool_Check(v) && !PyArray_IsScalar(v, Bool))
                return wrong_type(name, t, v, "");
            st = tir_bind_bool(po->p, name, PyObject_IsTrue(v));
            break;
        case TIR_I32:
        case TIR_I64: {
            int overflow;
            long long n;
            PyObject *iv;
            if (!is_integer(v))
                return wrong_type(name, t, v, PyFloat_Check(v) ? " (round it to an int first)" : "");
            if ((iv = PyNumber_Index(v)) == NULL)
                return -1;
            n = PyLong_AsLongLongAndOverflow(iv, &overflow);
            Py_DECREF(iv);
            if (overflow) {
                PyErr_Format(tirpy_ArgumentError, "parameter $%s is %s: %R is out of its range", name,
                             tir_type_name(t), v);
                return -1;
            }
            st = tir_bind_i64(po->p, name, n);
            break;
        }
        case TIR_F64: {
            double d;
            if (!is_integer(v) && !PyFloat_Check(v) && !PyArray_IsScalar(v, Floating))
                return wrong_type(name, t, v, "");
            if ((d = PyFloat_AsDouble(v)) == -1 && PyErr_Occurred())
                return -1;
            st = tir_bind_f64(po->p, name, d);
            break;
        }
        case TIR_STRING: {
            PyObject *bytes = NULL;
            if (PyUnicode_Check(v)) {
                /* lone surrogates are the bytes numpy_out.c could not decode */
                if ((bytes = PyUnicode_AsEncodedString(v, "utf-8", "surrogateescape")) == NULL)
                    return -1;
            } else if (PyBytes_Check(v))
                bytes = Py_NewRef(v);
            else
                return wrong_type(name, t, v, "");
            st = tir_bind_str(po->p, name, PyBytes_AS_STRING(bytes), (size_t)PyBytes_GET_SIZE(bytes));
            Py_DECREF(bytes);
            break;
        }
        case TIR_DATE: {
            int32_t days;
            int rc = tirpy_date_days(v, &days);
            if (rc < 0) {
                if (PyErr_Occurred())
                    return -1;
                return wrong_type(name, t, v, rc == -2 ? " (a date has no time of day: pass .date())" : "");
            }
            st = tir_bind_date(po->p, name, days);
            break;
        }
        case TIR_DECIMAL:
        case TIR_DECIMAL128: {
            int prec = 0, scale = 0, dec = is_decimal(v);
            tir_program_param_decimal(po->p, i, &prec, &scale);
            if (dec < 0)
                return -1;
            if (dec)
                return bind_decimal(po, name, prec, scale, v, v);
            if (is_integer(v)) {
                /* exact: the int as a Decimal, digits and all */
                PyObject *n = PyNumber_Index(v), *cls = n ? tirpy_decimal_class() : NULL, *d = NULL;
                int rc = -1;
                if (cls != NULL)
                    d = PyObject_CallOneArg(cls, n);
                if (d != NULL)
                    rc = bind_decimal(po, name, prec, scale, d, v);
                Py_XDECREF(d);
                Py_XDECREF(n);
                return rc;
            }
            if (PyFloat_Check(v) || PyArray_IsScalar(v, Floating)) {
                /* the double rounded half away from zero to the scale */
                double d;
                if ((d = PyFloat_AsDouble(v)) == -1 && PyErr_Occurred())
                    return -1;
                if (tir_bind_f64(po->p, name, d) != TIR_OK)
                    return isfinite(d) ? too_big(name, prec, scale, v)
                                       : does_not_fit(name, prec, scale, v, "is not a finite number");
                return 0;
            }
            PyErr_Format(tirpy_ParameterTypeError, "parameter $%s is decimal(%d,%d): cannot bind a %.100s "
                         "(bind a decimal.Decimal, an int or a float)", name, prec, scale, Py_TYPE(v)->tp_name);
            return -1;
        }
        case TIR_TIMESTAMP: {
            int64_t us;
            int rc = tirpy_timestamp_micros(v, &us);
            if (rc < 0)
                return wrong_type(name, t, v, rc == -2 ? " (tir's timestamps have no time zone: pass a naive "
                                                         "datetime, e.g. .astimezone(utc).replace(tzinfo=None))" : "");
            st = tir_bind_timestamp(po->p, name, us);
            break;
        }
        case TIR_INTERVAL: {
            tir_interval iv;
            if (tirpy_interval_of(v, &iv) < 0)
                return wrong_type(name, t, v, " (bind a datetime.timedelta)");
            st = tir_bind_interval(po->p, name, iv);
            break;
        }
        default:
            return wrong_type(name, t, v, "");
        }
    return st == TIR_OK ? 0 : bind_error(po);
}

int tirpy_bind(ProgramObject *po, PyObject *params)
{
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    size_t n = tir_program_nparams(po->p);

    if (params == NULL || params == Py_None)
        return 0;
    if (check_idle(po) < 0)
        return -1;
    if (!PyDict_Check(params)) {
        PyErr_SetString(PyExc_TypeError, "params must be a dict of parameter name -> value");
        return -1;
    }
    while (PyDict_Next(params, &pos, &key, &value)) {
        const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
        size_t i;
        if (name == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "parameter names must be str");
            return -1;
        }
        if (name[0] == '$')
            name++;
        for (i = 0; i < n && strcmp(tir_program_param_name(po->p, i), name) != 0; i++)
            ;
        if (i == n) {
            PyObject *names = tirpy_names(n, param_name, po->p);
            if (names != NULL)
                PyErr_Format(tirpy_ArgumentError, "the program has no parameter $%s (it declares %S)", name, names);
            Py_XDECREF(names);
            return -1;
        }
        if (bind_one(po, name, i, value) < 0)
            return -1;
    }
    return 0;
}

static PyObject *program_bind(ProgramObject *self, PyObject *args, PyObject *kw)
{
    PyObject *params = NULL;
    if (!PyArg_ParseTuple(args, "|O!:bind", &PyDict_Type, &params) || check_idle(self) < 0)
        return NULL;
    if ((params && tirpy_bind(self, params) < 0) || (kw && tirpy_bind(self, kw) < 0))
        return NULL;
    return Py_NewRef(self);
}

static PyObject *program_clear_bindings(ProgramObject *self, PyObject *noargs)
{
    (void)noargs;
    if (check_idle(self) < 0)
        return NULL;
    tir_clear_bindings(self->p);
    Py_RETURN_NONE;
}

/* ---- running ------------------------------------------------------------ */

/* Ctrl-C during a run: while the main thread runs a program, SIGINT's
** handler cancels it (tir_program_cancel is safe in a signal handler) and
** then calls the handler it replaced, Python's, which notes the signal for
** PyErr_CheckSignals: the run stops at its next batch and the Python
** handler decides what follows (KeyboardInterrupt by default). Waiting on
** a helper thread instead costs a thread per run (0.6 ms measured, most of
** it the new thread's malloc arena), more than a small program's run. */
static tir_program *_Atomic sigint_program;
static PyOS_sighandler_t python_sigint;

static void on_sigint(int sig)
{
    tir_program *p = atomic_load(&sigint_program);
    if (p != NULL)
        tir_program_cancel(p);
    if (python_sigint != SIG_DFL && python_sigint != SIG_IGN && python_sigint != SIG_ERR)
        python_sigint(sig);
}

/* Signal handlers run only on the main thread: only there is a run worth
** watching. */
static bool on_main_thread(void)
{
    static unsigned long main_ident;
    if (main_ident == 0) {
        PyObject *threading = PyImport_ImportModule("threading");
        PyObject *t = threading ? PyObject_CallMethod(threading, "main_thread", NULL) : NULL;
        PyObject *ident = t ? PyObject_GetAttrString(t, "ident") : NULL;
        if (ident)
            main_ident = PyLong_AsUnsignedLong(ident);
        Py_XDECREF(ident);
        Py_XDECREF(t);
        Py_XDECREF(threading);
        PyErr_Clear();
    }
    return PyThread_get_thread_ident() == main_ident;
}

/* tir_run without the GIL. -1 when SIGINT's Python handler raised (the
** exception is set; the run was cancelled). */
static int run_watched(ProgramObject *po, tir_result **out, tir_status *st)
{
    /* only a Python handler is chained; SIG_IGN and SIG_DFL keep their meaning */
    bool watch = on_main_thread() && atomic_load(&sigint_program) == NULL;
    if (watch) {
        PyOS_sighandler_t h = PyOS_getsig(SIGINT);
        watch = h != SIG_DFL && h != SIG_IGN && h != SIG_ERR && h != on_sigint;
        if (watch) {
            python_sigint = h;
            atomic_store(&sigint_program, po->p);
            PyOS_setsig(SIGINT, on_sigint);
        }
    }
    po->running = true;
    Py_BEGIN_ALLOW_THREADS
    *st = tir_run(po->p, out);
    Py_END_ALLOW_THREADS
    po->running = false;
    if (watch) {
        PyOS_setsig(SIGINT, python_sigint);
        atomic_store(&sigint_program, NULL);
        if (PyErr_CheckSignals() < 0) {
            if (*out != NULL)
                tir_result_free(*out);
            *out = NULL;
            return -1;
        }
    }
    return 0;
}

ResultObject *tirpy_program_run(ProgramObject *po)
{
    tir_result *r = NULL;
    tir_status st;
    ResultObject *ro;

    if (check_idle(po) < 0)
        return NULL;
    if (run_watched(po, &r, &st) < 0)
        return NULL;
    if (st != TIR_OK) {
        const char *msg = tir_program_errmsg(po->p);
        if (r != NULL)
            tir_result_free(r);
        /* a run refused outright says why in the engine's message */
        return (ResultObject *)tirpy_raise(st, msg && msg[0] ? msg : tir_engine_errmsg(po->engine->e));
    }
    if ((ro = PyObject_New(ResultObject, &tirpy_ResultType)) == NULL) {
        tir_result_free(r);
        return NULL;
    }
    ro->program = (ProgramObject *)Py_NewRef(po);
    ro->r = r;
    ro->noutputs = tir_result_noutputs(r);
    ro->readers = 0;
    ro->exported = PyMem_Calloc(ro->noutputs ? ro->noutputs : 1, sizeof(bool));
    if (ro->exported == NULL) {
        Py_DECREF(ro);
        return (ResultObject *)PyErr_NoMemory();
    }
    return ro;
}

static PyObject *program_run(ProgramObject *self, PyObject *args, PyObject *kw)
{
    PyObject *params = NULL;
    if (!PyArg_ParseTuple(args, "|O!:run", &PyDict_Type, &params))
        return NULL;
    if ((params && tirpy_bind(self, params) < 0) || (kw && tirpy_bind(self, kw) < 0))
        return NULL;
    return (PyObject *)tirpy_program_run(self);
}

/* An output index given as a number or a name. */
static int output_index(ProgramObject *po, PyObject *v, Py_ssize_t *out)
{
    size_t n = tir_program_noutputs(po->p);
    if (PyUnicode_Check(v)) {
        const char *name = PyUnicode_AsUTF8(v);
        if (name == NULL)
            return -1;
        for (size_t i = 0; i < n; i++)
            if (strcmp(tir_program_output_name(po->p, i), name) == 0) {
                *out = (Py_ssize_t)i;
                return 0;
            }
        PyErr_Format(PyExc_KeyError, "the program has no output '%s'", name);
        return -1;
    }
    if ((*out = PyNumber_AsSsize_t(v, PyExc_IndexError)) == -1 && PyErr_Occurred())
        return -1;
    return 0;
}

PyObject *tirpy_program_stream(ProgramObject *po, Py_ssize_t out)
{
    struct ArrowArrayStream stream;
    tir_status st;

    if (check_idle(po) < 0)
        return NULL;
    if (out < 0 || (size_t)out >= tir_program_noutputs(po->p)) {
        PyErr_Format(PyExc_IndexError, "output %zd: the program has %zu", out, tir_program_noutputs(po->p));
        return NULL;
    }
    if ((st = tir_run_arrow_stream(po->p, (size_t)out, &stream)) != TIR_OK)
        return tirpy_raise(st, tir_program_errmsg(po->p));
    return tirpy_stream_new(po, &stream);
}

static PyObject *program_stream(ProgramObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "output", "params", NULL };
    PyObject *output = NULL, *params = Py_None;
    Py_ssize_t out = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO:stream", kwlist, &output, &params))
        return NULL;
    if ((output && output_index(self, output, &out) < 0) || tirpy_bind(self, params) < 0)
        return NULL;
    return tirpy_program_stream(self, out);
}

static PyObject *program_cancel(ProgramObject *self, PyObject *noargs)
{
    (void)noargs;
    tir_program_cancel(self->p);
    Py_RETURN_NONE;
}

static PyObject *program_explain(ProgramObject *self, PyObject *noargs)
{
    (void)noargs;
    const char *text = tir_program_explain(self->p);
    return PyUnicode_FromString(text ? text : "");
}

/* ---- description ---------------------------------------------------------- */

static PyObject *program_get_outputs(ProgramObject *self, void *closure)
{
    (void)closure;
    return tirpy_names(tir_program_noutputs(self->p), output_name, self->p);
}

/* The Arrow format strings tir's outputs use, back to tir's types. */
static tir_type format_type(const char *f)
{
    static const struct { const char *format; tir_type t; } map[] = {
        { "b", TIR_BOOL }, { "i", TIR_I32 }, { "l", TIR_I64 }, { "g", TIR_F64 },
        { "u", TIR_STRING }, { "tdD", TIR_DATE }, { "tsu:", TIR_TIMESTAMP }, { "tin", TIR_INTERVAL },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(f, map[i].format) == 0)
            return map[i].t;
    return TIR_NTYPES;
}

/* {output: [(column, "type"), ...]}, the labels of the box table's second row. */
static PyObject *program_get_schema(ProgramObject *self, void *closure)
{
    (void)closure;
    size_t n = tir_program_noutputs(self->p);
    PyObject *d = PyDict_New();

    for (size_t i = 0; d && i < n; i++) {
        struct ArrowSchema s;
        PyObject *cols;
        tir_status st = tir_program_output_arrow_schema(self->p, i, &s);
        if (st != TIR_OK) {
            Py_DECREF(d);
            return tirpy_raise(st, tir_program_errmsg(self->p));
        }
        cols = PyList_New(s.n_children);
        for (int64_t c = 0; cols && c < s.n_children; c++) {
            const struct ArrowSchema *k = s.children[c];
            tir_type t = format_type(k->format);
            int prec, scale;
            bool nullable = k->flags & ARROW_FLAG_NULLABLE;
            PyObject *label = sscanf(k->format, "d:%d,%d", &prec, &scale) == 2
                            ? tirpy_decimal_label(prec, scale, nullable)
                            : t == TIR_NTYPES ? PyUnicode_FromString(k->format) : type_label(t, nullable);
            PyObject *pair = label ? Py_BuildValue("(sN)", k->name, label) : NULL;
            if (pair == NULL)
                Py_CLEAR(cols);
            else
                PyList_SET_ITEM(cols, (Py_ssize_t)c, pair);
        }
        s.release(&s);
        if (cols == NULL || PyDict_SetItemString(d, tir_program_output_name(self->p, i), cols) < 0)
            Py_CLEAR(d);
        Py_XDECREF(cols);
    }
    return d;
}

/* {name: "type"} of the declared parameters, "?" when nullable. */
static PyObject *program_get_params(ProgramObject *self, void *closure)
{
    (void)closure;
    size_t n = tir_program_nparams(self->p);
    PyObject *d = PyDict_New();
    for (size_t i = 0; d && i < n; i++) {
        int prec, scale;
        bool nullable = tir_program_param_nullable(self->p, i);
        PyObject *label = tir_program_param_decimal(self->p, i, &prec, &scale)
                        ? tirpy_decimal_label(prec, scale, nullable)
                        : type_label(tir_program_param_type(self->p, i), nullable);
        if (label == NULL || PyDict_SetItemString(d, tir_program_param_name(self->p, i), label) < 0)
            Py_CLEAR(d);
        Py_XDECREF(label);
    }
    return d;
}

static void program_dealloc(ProgramObject *self)
{
    /* a Stream holds its program, so no run is left here */
    if (self->p != NULL)
        tir_program_free(self->p);
    Py_XDECREF(self->engine);
    PyObject_Free(self);
}

static PyMethodDef program_methods[] = {
    { "bind", (PyCFunction)(void (*)(void))program_bind, METH_VARARGS | METH_KEYWORDS,
      "bind(params=None, **params) -> self: binds parameters (they stay bound across runs)." },
    { "clear_bindings", (PyCFunction)program_clear_bindings, METH_NOARGS, "Unbinds every parameter." },
    { "run", (PyCFunction)(void (*)(void))program_run, METH_VARARGS | METH_KEYWORDS,
      "run(params=None, **params) -> Result: binds the params given, then runs." },
    { "stream", (PyCFunction)(void (*)(void))program_stream, METH_VARARGS | METH_KEYWORDS,
      "stream(output=0, params=None) -> Stream: the output (index or name) while the program runs." },
    { "cancel", (PyCFunction)program_cancel, METH_NOARGS, "Cancels this program's run (from any thread)." },
    { "explain", (PyCFunction)program_explain, METH_NOARGS, "The typed program and its bytecode, as text." },
    { NULL, NULL, 0, NULL }
};

static PyGetSetDef program_getset[] = {
    { "outputs", (getter)program_get_outputs, NULL, "Names of the outputs, in order.", NULL },
    { "schema", (getter)program_get_schema, NULL, "{output: [(column, type), ...]}; type as 'i64' or 'string?' (nullable).", NULL },
    { "params", (getter)program_get_params, NULL, "{name: type} of the declared parameters.", NULL },
    { NULL, NULL, NULL, NULL, NULL }
};

PyTypeObject tirpy_ProgramType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tir.Program",
    .tp_basicsize = sizeof(ProgramObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A compiled program (Engine.compile). Bind parameters, run it as often as needed.\n"
              "Used by one thread at a time.",
    .tp_dealloc = (destructor)program_dealloc,
    .tp_methods = program_methods,
    .tp_getset = program_getset,
};
