/*
** module.c — the Python module `tir`: its exception classes, the mapping of
** tir_status to them, the default engine and the module-level functions
** (tir.run, tir.compile, tir.register) that use it.
*/
#define TIRPY_IMPORT_ARRAY
#include "tirpy.h"

PyObject *tirpy_Error, *tirpy_CompileError, *tirpy_ExecutionError, *tirpy_DataError,
    *tirpy_FileError, *tirpy_OutOfMemoryError, *tirpy_CancelledError, *tirpy_ArgumentError,
    *tirpy_ParameterTypeError;

static EngineObject *default_engine;

PyObject *tirpy_raise(tir_status st, const char *msg)
{
    PyObject *cls;
    switch (st) {
    case TIR_ERR_COMPILE: cls = tirpy_CompileError; break;
    case TIR_ERR_RUNTIME: cls = tirpy_ExecutionError; break;
    case TIR_ERR_DATA: cls = tirpy_DataError; break;
    case TIR_ERR_IO: cls = tirpy_FileError; break;
    case TIR_ERR_NOMEM: cls = tirpy_OutOfMemoryError; break;
    case TIR_ERR_CANCELLED: cls = tirpy_CancelledError; break;
    case TIR_ERR_ARG: cls = tirpy_ArgumentError; break;
    default: cls = tirpy_Error; break;
    }
    if (msg == NULL || msg[0] == '\0')
        msg = tir_status_name(st);
    PyErr_SetString(cls, msg);
    return NULL;
}

/* CompileError(text) with .diagnostics: (file, line, col, severity, message,
** path) tuples; path is the JSON path of the node for JSON plans (line and
** col are then where the node is in the JSON), else None. */
PyObject *tirpy_raise_compile(const tir_program *p)
{
    size_t n = tir_program_ndiags(p);
    const char *text = tir_program_diag_text(p);
    PyObject *diags = PyList_New(0), *exc;

    if (diags == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const tir_diag *d = tir_program_diag(p, i);
        PyObject *t = Py_BuildValue("(siissz)", d->file ? d->file : "", d->line, d->col,
                                    d->severity == TIR_SEV_ERROR ? "error" : "warning", d->message ? d->message : "",
                                    d->path);
        if (t == NULL || PyList_Append(diags, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(diags);
            return NULL;
        }
        Py_DECREF(t);
    }
    if (text == NULL || text[0] == '\0')
        text = tir_program_errmsg(p);
    /* the rendered text ends in a newline; an exception message should not */
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == '\n')
        len--;
    exc = PyObject_CallFunction(tirpy_CompileError, "s#", text, (Py_ssize_t)len);
    if (exc == NULL || PyObject_SetAttrString(exc, "diagnostics", diags) < 0) {
        Py_XDECREF(exc);
        Py_DECREF(diags);
        return NULL;
    }
    Py_DECREF(diags);
    PyErr_SetObject(tirpy_CompileError, exc);
    Py_DECREF(exc);
    return NULL;
}

PyObject *tirpy_names(size_t n, const char *(*name)(const void *obj, size_t i), const void *obj)
{
    PyObject *t = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; t && i < n; i++) {
        PyObject *s = PyUnicode_FromString(name(obj, i));
        if (s == NULL)
            Py_CLEAR(t);
        else
            PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
    }
    return t;
}

EngineObject *tirpy_default_engine(void)
{
    if (default_engine == NULL)
        default_engine = (EngineObject *)PyObject_CallNoArgs((PyObject *)&tirpy_EngineType);
    return default_engine;
}

static PyObject *mod_default_engine(PyObject *self, PyObject *noargs)
{
    (void)self, (void)noargs;
    EngineObject *e = tirpy_default_engine();
    Py_XINCREF(e);
    return (PyObject *)e;
}

/* Registers every entry of tables (name -> data) in eo. */
static int register_all(EngineObject *eo, PyObject *tables)
{
    PyObject *key, *value;
    Py_ssize_t pos = 0;

    if (tables == NULL || tables == Py_None)
        return 0;
    if (!PyDict_Check(tables)) {
        PyErr_SetString(PyExc_TypeError, "tables must be a dict of name -> data");
        return -1;
    }
    while (PyDict_Next(tables, &pos, &key, &value)) {
        const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
        if (name == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "table names must be str");
            return -1;
        }
        if (tirpy_register(eo, name, value) < 0)
            return -1;
    }
    return 0;
}

static PyObject *mod_run(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "text", "params", "tables", NULL };
    PyObject *text, *params = Py_None, *tables = Py_None;
    EngineObject *eo;
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO:run", kwlist, &text, &params, &tables))
        return NULL;
    if ((eo = tirpy_default_engine()) == NULL || register_all(eo, tables) < 0)
        return NULL;
    return tirpy_run_text(eo, text, params, false, 0);
}

static PyObject *mod_compile(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "text", "file", NULL };
    PyObject *text;
    const char *file = "<string>";
    EngineObject *eo;
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|s:compile", kwlist, &text, &file))
        return NULL;
    if ((eo = tirpy_default_engine()) == NULL)
        return NULL;
    return (PyObject *)tirpy_compile(eo, text, file);
}

static PyObject *mod_register(PyObject *self, PyObject *args)
{
    const char *name;
    PyObject *obj;
    EngineObject *eo;
    (void)self;

    if (!PyArg_ParseTuple(args, "sO:register", &name, &obj))
        return NULL;
    if ((eo = tirpy_default_engine()) == NULL || tirpy_register(eo, name, obj) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    { "run", (PyCFunction)(void (*)(void))mod_run, METH_VARARGS | METH_KEYWORDS,
      "run(text, params=None, tables=None) -> Result\n\n"
      "Compiles and runs text on the default engine, after registering tables\n"
      "(name -> data, as Engine.register) and binding params (name -> value)." },
    { "compile", (PyCFunction)(void (*)(void))mod_compile, METH_VARARGS | METH_KEYWORDS,
      "compile(text, file='<string>') -> Program, on the default engine." },
    { "register", mod_register, METH_VARARGS,
      "register(name, data): Engine.register on the default engine." },
    { "default_engine", mod_default_engine, METH_NOARGS,
      "default_engine() -> Engine: the one tir.run, tir.compile and tir.register use." },
    { NULL, NULL, 0, NULL }
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "tir",
    "tir: typed pipeline programs run by the tir vectorized engine.\n\n"
    "    res = tir.run(text, params={'since': datetime.date(1994, 1, 1)})\n"
    "    print(res)              # the typed box table tirrun prints\n"
    "    cols = res.to_numpy()   # dict of numpy arrays\n\n"
    "See docs/PYTHON.md.",
    -1, module_methods, NULL, NULL, NULL, NULL
};

/* exc = tir.<name>(bases...), added to the module. */
static PyObject *add_exception(PyObject *m, const char *name, PyObject *bases, const char *doc)
{
    char full[64];
    PyObject *exc;
    snprintf(full, sizeof full, "tir.%s", name);
    exc = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
    Py_XDECREF(bases);
    if (exc == NULL || PyModule_AddObjectRef(m, name, exc) < 0) {
        Py_XDECREF(exc);
        return NULL;
    }
    return exc;
}

PyMODINIT_FUNC PyInit_tir(void)
{
    PyObject *m;
    PyTypeObject *types[] = { &tirpy_EngineType, &tirpy_ProgramType, &tirpy_ResultType,
                              &tirpy_OutputType, &tirpy_StreamType };
    const char *names[] = { "Engine", "Program", "Result", "Output", "Stream" };

    import_array();
    if (tirpy_datetime_init() < 0)
        return NULL;
    if ((m = PyModule_Create(&module_def)) == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (PyType_Ready(types[i]) < 0 || PyModule_AddObjectRef(m, names[i], (PyObject *)types[i]) < 0)
            goto fail;
    if (tirpy_rowiter_ready() < 0 || PyModule_AddStringConstant(m, "__version__", tir_version()) < 0)
        goto fail;
    if (!(tirpy_Error = add_exception(m, "Error", Py_NewRef(PyExc_Exception),
                                      "Base class of the errors tir reports.")) ||
        !(tirpy_CompileError = add_exception(m, "CompileError", Py_NewRef(tirpy_Error),
            "The program has errors (nothing ran); str() is file:line:col: error: ..., the line and a "
            "caret; .diagnostics lists (file, line, col, severity, message, path).")) ||
        !(tirpy_ExecutionError = add_exception(m, "ExecutionError",
            PyTuple_Pack(2, tirpy_Error, PyExc_RuntimeError), "Evaluation failed (e.g. integer overflow).")) ||
        !(tirpy_DataError = add_exception(m, "DataError", PyTuple_Pack(2, tirpy_Error, PyExc_ValueError),
            "Input data is malformed, or of a type tir cannot read.")) ||
        !(tirpy_FileError = add_exception(m, "FileError", PyTuple_Pack(2, tirpy_Error, PyExc_OSError),
            "A file could not be opened, read or written.")) ||
        !(tirpy_OutOfMemoryError = add_exception(m, "OutOfMemoryError",
            PyTuple_Pack(2, tirpy_Error, PyExc_MemoryError), "Allocation failed or the memory limit was hit.")) ||
        !(tirpy_CancelledError = add_exception(m, "CancelledError", Py_NewRef(tirpy_Error),
            "The run was cancelled (Engine.cancel, Program.cancel).")) ||
        !(tirpy_ArgumentError = add_exception(m, "ArgumentError", PyTuple_Pack(2, tirpy_Error, PyExc_ValueError),
            "A bad argument: an unknown or unbound parameter, a value out of range, an unknown table.")) ||
        !(tirpy_ParameterTypeError = add_exception(m, "ParameterTypeError",
            PyTuple_Pack(2, tirpy_ArgumentError, PyExc_TypeError),
            "A parameter given a Python value of another type than the one it was declared with.")))
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
