/*
** engine.c — tir.Engine: owns a tir_engine made from keyword arguments
** (tir_config's fields), registers host data as tables and compiles
** programs. Registering takes a dict of numpy arrays, or anything with
** __arrow_c_stream__ or __arrow_c_array__ (the Arrow PyCapsule interface).
*/
#include "tirpy.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* An int, or text like "512M", "2G", "1.5GiB": bytes. */
static int parse_bytes(PyObject *v, const char *what, uint64_t *out)
{
    if (PyLong_Check(v)) {
        unsigned long long n = PyLong_AsUnsignedLongLong(v);
        if (n == (unsigned long long)-1 && PyErr_Occurred()) {
            PyErr_Format(PyExc_ValueError, "%s must be a byte count >= 0", what);
            return -1;
        }
        *out = n;
        return 0;
    }
    if (PyUnicode_Check(v)) {
        const char *s = PyUnicode_AsUTF8(v), *unit;
        char *end;
        double n, mult = 1;
        if (s == NULL)
            return -1;
        n = strtod(s, &end);
        unit = end;
        while (*unit == ' ')
            unit++;
        switch (toupper((unsigned char)*unit)) {
        case 'K': mult = 1024.0; unit++; break;
        case 'M': mult = 1024.0 * 1024; unit++; break;
        case 'G': mult = 1024.0 * 1024 * 1024; unit++; break;
        case 'T': mult = 1024.0 * 1024 * 1024 * 1024; unit++; break;
        }
        if (*unit == 'i' || *unit == 'I')
            unit++;
        if (*unit == 'b' || *unit == 'B')
            unit++;
        if (end == s || *unit != '\0' || !(n >= 0) || n * mult >= 18446744073709551615.0) {
            PyErr_Format(PyExc_ValueError, "%s: cannot read '%s' as a size (like 512M, 2G or bytes)", what, s);
            return -1;
        }
        *out = (uint64_t)(n * mult);
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "%s must be an int (bytes) or a str like '2G'", what);
    return -1;
}

static int engine_init(EngineObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "threads", "batch_size", "memory_limit", "no_table_cache", "no_pruning",
                              "max_errors", "allowed_dirs", "read_only", "temp_dir", "spill_limit",
                              "no_spill", "force_spill", "fixed_order", "profile", NULL };
    tir_config cfg = { 0 };
    int threads = 0, no_table_cache = 0, no_pruning = 0, read_only = 0, no_spill = 0, force_spill = 0,
        fixed_order = 0, profile = 0;
    unsigned int batch_size = 0, max_errors = 0;
    PyObject *memory_limit = Py_None, *allowed = Py_None, *spill_limit = Py_None, *dirs_seq = NULL;
    const char *temp_dir = NULL;
    const char **dirs = NULL;
    int rc = -1;

    if (self->e != NULL) {
        PyErr_SetString(tirpy_Error, "Engine.__init__ called twice");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$iIOppIOpzOpppp:Engine", kwlist, &threads, &batch_size,
                                     &memory_limit, &no_table_cache, &no_pruning, &max_errors, &allowed,
                                     &read_only, &temp_dir, &spill_limit, &no_spill, &force_spill,
                                     &fixed_order, &profile))
        return -1;
    if (threads < 0) {
        PyErr_SetString(PyExc_ValueError, "threads must be >= 0 (0: one per core)");
        return -1;
    }
    cfg.threads = threads;
    cfg.batch_size = batch_size;
    if (memory_limit != Py_None && parse_bytes(memory_limit, "memory_limit", &cfg.memory_limit) < 0)
        return -1;
    if (spill_limit != Py_None && parse_bytes(spill_limit, "spill_limit", &cfg.spill_limit) < 0)
        return -1;
    cfg.no_table_cache = no_table_cache;
    cfg.no_pruning = no_pruning;
    cfg.max_errors = max_errors;
    cfg.read_only = read_only;
    cfg.temp_dir = temp_dir;
    cfg.no_spill = no_spill;
    cfg.force_spill = force_spill;
    cfg.fixed_order = fixed_order;
    if (allowed != Py_None) {
        Py_ssize_t n;
        if ((dirs_seq = PySequence_Fast(allowed, "allowed_dirs must be a list of directories")) == NULL)
            return -1;
        n = PySequence_Fast_GET_SIZE(dirs_seq);
        if ((dirs = PyMem_Calloc((size_t)n + 1, sizeof *dirs)) == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *d = PySequence_Fast_GET_ITEM(dirs_seq, i);
            if (!PyUnicode_Check(d) || (dirs[i] = PyUnicode_AsUTF8(d)) == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_TypeError, "allowed_dirs must be a list of str");
                goto done;
            }
        }
        cfg.allowed_dirs = dirs;
    }
    if ((self->e = tir_engine_new(&cfg)) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (profile)
        tir_engine_set_profile(self->e, true);
    rc = 0;
done:
    PyMem_Free(dirs);
    Py_XDECREF(dirs_seq);
    return rc;
}

static void engine_dealloc(EngineObject *self)
{
    /* Programs hold their engine, so none is left; release callbacks of
    ** registered data run here and take the GIL, which this thread holds. */
    if (self->e != NULL)
        tir_engine_free(self->e);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int check_engine(EngineObject *self)
{
    if (self->e == NULL) {
        PyErr_SetString(tirpy_Error, "the Engine was not initialized");
        return -1;
    }
    return 0;
}

/* Registers an Arrow stream (moved) under name, without the GIL: a live
** stream's get_next waits for a run, and producers written in Python take
** the GIL themselves. */
static int register_stream(EngineObject *eo, const char *name, struct ArrowArrayStream *stream)
{
    tir_status st;
    Py_BEGIN_ALLOW_THREADS
    st = tir_engine_register_arrow_stream(eo->e, name, stream);
    Py_END_ALLOW_THREADS
    if (st != TIR_OK) {
        tirpy_raise(st, tir_engine_errmsg(eo->e));
        return -1;
    }
    return 0;
}

static int register_capsule_stream(EngineObject *eo, const char *name, PyObject *obj)
{
    PyObject *capsule = PyObject_CallMethod(obj, "__arrow_c_stream__", NULL);
    struct ArrowArrayStream *stream;
    int rc = -1;

    if (capsule == NULL)
        return -1;
    if ((stream = tirpy_capsule_stream(capsule)) != NULL)
        rc = register_stream(eo, name, stream);
    Py_DECREF(capsule);
    return rc;
}

static int register_capsule_array(EngineObject *eo, const char *name, PyObject *obj)
{
    PyObject *pair = PyObject_CallMethod(obj, "__arrow_c_array__", NULL);
    struct ArrowSchema *schema;
    struct ArrowArray *array;
    tir_status st;

    if (pair == NULL)
        return -1;
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        Py_DECREF(pair);
        PyErr_SetString(PyExc_TypeError, "__arrow_c_array__ must return (schema capsule, array capsule)");
        return -1;
    }
    schema = PyCapsule_GetPointer(PyTuple_GET_ITEM(pair, 0), "arrow_schema");
    array = schema ? PyCapsule_GetPointer(PyTuple_GET_ITEM(pair, 1), "arrow_array") : NULL;
    if (array == NULL || schema->release == NULL || array->release == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "the Arrow capsules were already consumed");
        Py_DECREF(pair);
        return -1;
    }
    /* tir moves both structs out (release set to NULL): the capsules'
    ** destructors then have nothing to release */
    Py_BEGIN_ALLOW_THREADS
    st = tir_engine_register_arrow(eo->e, name, schema, array);
    Py_END_ALLOW_THREADS
    Py_DECREF(pair);
    if (st != TIR_OK) {
        tirpy_raise(st, tir_engine_errmsg(eo->e));
        return -1;
    }
    return 0;
}

int tirpy_register(EngineObject *eo, const char *name, PyObject *obj)
{
    struct ArrowArrayStream stream;

    if (check_engine(eo) < 0)
        return -1;
    if (PyDict_Check(obj)) {
        if (tirpy_numpy_stream(obj, name, &stream) < 0)
            return -1;
        return register_stream(eo, name, &stream);
    }
    if (PyObject_HasAttrString(obj, "__arrow_c_stream__"))
        return register_capsule_stream(eo, name, obj);
    if (PyObject_HasAttrString(obj, "__arrow_c_array__"))
        return register_capsule_array(eo, name, obj);
    if (PyMapping_Check(obj) && PyObject_HasAttrString(obj, "keys")) {
        /* another mapping of columns (a pandas DataFrame, a MappingProxyType): as a dict */
        PyObject *d = PyDict_New();
        int rc = d == NULL || PyDict_Merge(d, obj, 1) < 0 ? -1 : tirpy_register(eo, name, d);
        Py_XDECREF(d);
        return rc;
    }
    PyErr_Format(PyExc_TypeError,
                 "cannot register a %.100s as table '%s': give a dict (or mapping) of column name -> numpy array "
                 "(or masked array, or (values, validity) tuple), or an object with __arrow_c_stream__ "
                 "or __arrow_c_array__", Py_TYPE(obj)->tp_name, name);
    return -1;
}

static PyObject *engine_register(EngineObject *self, PyObject *args)
{
    const char *name;
    PyObject *obj;
    if (!PyArg_ParseTuple(args, "sO:register", &name, &obj) || tirpy_register(self, name, obj) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *engine_unregister(EngineObject *self, PyObject *args)
{
    const char *name;
    tir_status st;
    if (!PyArg_ParseTuple(args, "s:unregister", &name) || check_engine(self) < 0)
        return NULL;
    /* release callbacks may run here; they take the GIL, which we hold */
    if ((st = tir_engine_unregister(self->e, name)) != TIR_OK)
        return tirpy_raise(st, tir_engine_errmsg(self->e));
    Py_RETURN_NONE;
}

/* A plan is .tir text, or its JSON form: a dict (or list) serialized with
** Python's json module, or a str when file names a .json file (as tirrun
** decides). */
static bool is_json_file(const char *file)
{
    size_t n = strlen(file);
    return n >= 5 && strcmp(file + n - 5, ".json") == 0;
}

ProgramObject *tirpy_compile(EngineObject *eo, PyObject *plan, const char *file)
{
    Py_ssize_t len;
    const char *src;
    ProgramObject *po;
    tir_program *p = NULL;
    tir_status st;
    PyObject *text = NULL;
    bool json = is_json_file(file);

    if (check_engine(eo) < 0)
        return NULL;
    if (PyDict_Check(plan)) {
        PyObject *mod = PyImport_ImportModule("json");
        text = mod ? PyObject_CallMethod(mod, "dumps", "O", plan) : NULL;
        Py_XDECREF(mod);
        if (text == NULL)
            return NULL;
        json = true;
    } else if (PyUnicode_Check(plan)) {
        text = Py_NewRef(plan);
    } else {
        PyErr_Format(PyExc_TypeError, "a plan is a str (.tir text, or JSON with a file ending in .json) or a dict "
                                      "(its JSON form), not %.100s", Py_TYPE(plan)->tp_name);
        return NULL;
    }
    if ((src = PyUnicode_AsUTF8AndSize(text, &len)) == NULL) {
        Py_DECREF(text);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    st = json ? tir_compile_json(eo->e, file, src, (size_t)len, &p) : tir_compile(eo->e, file, src, (size_t)len, &p);
    Py_END_ALLOW_THREADS
    Py_DECREF(text);
    if (st != TIR_OK) {
        if (p == NULL)
            tirpy_raise(st, tir_engine_errmsg(eo->e));
        else if (st == TIR_ERR_COMPILE)
            tirpy_raise_compile(p);
        else
            tirpy_raise(st, tir_program_errmsg(p));
        if (p != NULL)
            tir_program_free(p);
        return NULL;
    }
    if ((po = PyObject_New(ProgramObject, &tirpy_ProgramType)) == NULL) {
        tir_program_free(p);
        return NULL;
    }
    po->engine = (EngineObject *)Py_NewRef(eo);
    po->p = p;
    po->streaming = false;
    po->running = false;
    return po;
}

static PyObject *engine_compile(EngineObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "text", "file", NULL };
    PyObject *text;
    const char *file = "<string>";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|s:compile", kwlist, &text, &file))
        return NULL;
    return (PyObject *)tirpy_compile(self, text, file);
}

/* Compiles text, binds params and runs it (stream: hands output out over
** as it is made). */
PyObject *tirpy_run_text(EngineObject *eo, PyObject *text, PyObject *params, bool stream, Py_ssize_t out)
{
    ProgramObject *po = tirpy_compile(eo, text, "<string>");
    PyObject *res = NULL;
    if (po == NULL)
        return NULL;
    if (tirpy_bind(po, params) == 0)
        res = stream ? tirpy_program_stream(po, out) : (PyObject *)tirpy_program_run(po);
    Py_DECREF(po);
    return res;
}

static PyObject *engine_run(EngineObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "text", "params", NULL };
    PyObject *text, *params = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:run", kwlist, &text, &params))
        return NULL;
    return tirpy_run_text(self, text, params, false, 0);
}

static PyObject *engine_stream(EngineObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "text", "params", "output", NULL };
    PyObject *text, *params = Py_None;
    Py_ssize_t out = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|On:stream", kwlist, &text, &params, &out))
        return NULL;
    return tirpy_run_text(self, text, params, true, out);
}

static PyObject *engine_cancel(EngineObject *self, PyObject *noargs)
{
    (void)noargs;
    if (check_engine(self) < 0)
        return NULL;
    tir_engine_cancel(self->e);
    Py_RETURN_NONE;
}

static PyObject *engine_clear_cache(EngineObject *self, PyObject *noargs)
{
    (void)noargs;
    if (check_engine(self) < 0)
        return NULL;
    tir_engine_clear_cache(self->e);
    Py_RETURN_NONE;
}

static PyMethodDef engine_methods[] = {
    { "register", (PyCFunction)engine_register, METH_VARARGS,
      "register(name, data): data becomes the table a program declares with registered(\"name\").\n"
      "data: a dict of column name -> numpy array (a numpy.ma masked array, or a (values, validity)\n"
      "tuple, for NULLs), or any object with __arrow_c_stream__ or __arrow_c_array__. Programs\n"
      "compiled before keep the data they were compiled against." },
    { "unregister", (PyCFunction)engine_unregister, METH_VARARGS, "unregister(name): drops the table." },
    { "compile", (PyCFunction)(void (*)(void))engine_compile, METH_VARARGS | METH_KEYWORDS,
      "compile(plan, file='<string>') -> Program. plan: .tir text, or the JSON form as a dict (or as a str\n"
      "when file ends in .json). Raises CompileError (file:line:col; for JSON, of the node in the JSON, and its $.json.path) on errors." },
    { "run", (PyCFunction)(void (*)(void))engine_run, METH_VARARGS | METH_KEYWORDS,
      "run(text, params=None) -> Result: compile, bind params (name -> value), run." },
    { "stream", (PyCFunction)(void (*)(void))engine_stream, METH_VARARGS | METH_KEYWORDS,
      "stream(text, params=None, output=0) -> Stream: the output handed over while the program runs." },
    { "cancel", (PyCFunction)engine_cancel, METH_NOARGS,
      "cancel(): every run in progress stops with CancelledError (or the next one, if none)." },
    { "clear_cache", (PyCFunction)engine_clear_cache, METH_NOARGS, "clear_cache(): drops cached CSV and native tables." },
    { NULL, NULL, 0, NULL }
};

PyTypeObject tirpy_EngineType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tir.Engine",
    .tp_basicsize = sizeof(EngineObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Engine(*, threads=0, batch_size=0, memory_limit=None, no_table_cache=False, no_pruning=False,\n"
              "       max_errors=0, allowed_dirs=None, read_only=False, temp_dir=None, spill_limit=None,\n"
              "       no_spill=False, force_spill=False, fixed_order=False, profile=False)\n\n"
              "A tir engine (tir_config's fields; sizes as bytes or text like '2G'). Thread-safe: several\n"
              "Python threads may compile and run programs on one engine at once.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)engine_init,
    .tp_dealloc = (destructor)engine_dealloc,
    .tp_methods = engine_methods,
};
