/*
** arrow_capsule.c — Arrow streams across the PyCapsule interface: a stream
** tir made, wrapped so that the Python object it depends on lives until
** the consumer releases it, in a capsule "arrow_array_stream"; taking the
** stream out of a consumer's capsule; and tir.Stream, a live stream
** (tir_run_arrow_stream) that holds its program while the program runs.
*/
#include "tirpy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- a stream that holds a Python object -------------------------------- */

typedef struct held_stream {
    struct ArrowArrayStream inner;
    PyObject *owner;
    void (*done)(PyObject *owner);   /* called with the GIL once released, or NULL */
} held_stream;

static int held_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
    held_stream *h = s->private_data;
    return h->inner.get_schema(&h->inner, out);
}

static int held_get_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
    held_stream *h = s->private_data;
    return h->inner.get_next(&h->inner, out);
}

static const char *held_last_error(struct ArrowArrayStream *s)
{
    held_stream *h = s->private_data;
    return h->inner.get_last_error(&h->inner);
}

/* Consumers release on any thread, with or without the GIL. A live
** stream's release joins its run, so it is done before taking the GIL:
** the run never needs it, but waiting for it while holding the GIL would
** stall every other Python thread. */
static void held_release(struct ArrowArrayStream *s)
{
    held_stream *h = s->private_data;
    PyGILState_STATE g;
    h->inner.release(&h->inner);
    g = PyGILState_Ensure();
    if (h->done != NULL)
        h->done(h->owner);
    Py_XDECREF(h->owner);
    PyGILState_Release(g);
    free(h);
    s->release = NULL;
}

/* Moves *stream into a malloc'd wrapper holding owner. */
static struct ArrowArrayStream *hold(struct ArrowArrayStream *stream, PyObject *owner,
                                     void (*done)(PyObject *owner))
{
    struct ArrowArrayStream *s = calloc(1, sizeof *s);
    held_stream *h = calloc(1, sizeof *h);
    if (s == NULL || h == NULL) {
        free(s);
        free(h);
        stream->release(stream);
        if (done != NULL)
            done(owner);
        PyErr_NoMemory();
        return NULL;
    }
    h->inner = *stream;
    stream->release = NULL;
    h->owner = Py_XNewRef(owner);
    h->done = done;
    s->get_schema = held_get_schema;
    s->get_next = held_get_next;
    s->get_last_error = held_last_error;
    s->release = held_release;
    s->private_data = h;
    return s;
}

/* The PyCapsule interface: the capsule owns the struct's memory; a consumer
** moves the stream out (release set to NULL), else it is released here. */
static void capsule_destructor(PyObject *capsule)
{
    struct ArrowArrayStream *s = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (s == NULL) {
        PyErr_WriteUnraisable(capsule);
        return;
    }
    if (s->release != NULL) {
        /* a live stream's release waits for its run: not with the GIL held */
        Py_BEGIN_ALLOW_THREADS
        s->release(s);
        Py_END_ALLOW_THREADS
    }
    free(s);
}

static PyObject *capsule_with(struct ArrowArrayStream *stream, PyObject *owner, void (*done)(PyObject *owner))
{
    struct ArrowArrayStream *s = hold(stream, owner, done);
    PyObject *capsule;
    if (s == NULL)
        return NULL;
    if ((capsule = PyCapsule_New(s, "arrow_array_stream", capsule_destructor)) == NULL) {
        s->release(s);
        free(s);
    }
    return capsule;
}

PyObject *tirpy_stream_capsule(struct ArrowArrayStream *stream, PyObject *owner)
{
    return capsule_with(stream, owner, NULL);
}

struct ArrowArrayStream *tirpy_capsule_stream(PyObject *capsule)
{
    struct ArrowArrayStream *s = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (s == NULL)
        return NULL;
    if (s->release == NULL) {
        PyErr_SetString(PyExc_ValueError, "the Arrow stream in the capsule was already consumed");
        return NULL;
    }
    return s;
}

/* ---- tir.Stream ------------------------------------------------------------- */

typedef struct StreamObject {
    PyObject_HEAD
    ProgramObject *program;   /* strong while the stream is ours */
    struct ArrowArrayStream stream;   /* release == NULL once handed over or closed */
    struct ArrowSchema schema;        /* for iterating: release == NULL until the first batch */
    bool handed_over;
} StreamObject;

PyObject *tirpy_stream_new(ProgramObject *po, struct ArrowArrayStream *stream)
{
    StreamObject *so = PyObject_New(StreamObject, &tirpy_StreamType);
    if (so == NULL) {
        Py_BEGIN_ALLOW_THREADS
        stream->release(stream);
        Py_END_ALLOW_THREADS
        return NULL;
    }
    so->program = (ProgramObject *)Py_NewRef(po);
    memset(&so->schema, 0, sizeof so->schema);
    so->handed_over = false;
    so->stream = *stream;
    stream->release = NULL;
    po->streaming = true;
    return (PyObject *)so;
}

/* The run is over for the program once its stream was released. */
static void stream_close(StreamObject *self)
{
    if (self->schema.release != NULL)
        self->schema.release(&self->schema);
    if (self->stream.release != NULL) {
        Py_BEGIN_ALLOW_THREADS
        self->stream.release(&self->stream);
        Py_END_ALLOW_THREADS
        self->program->streaming = false;
    }
}

/* A live stream's program may bind and run again once the stream is released. */
static void program_free_again(PyObject *program)
{
    ((ProgramObject *)program)->streaming = false;
}

/* The stream moves into the capsule, which holds the program until the
** consumer releases it; the program is free for other runs after that. */
static PyObject *Stream_arrow(StreamObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "requested_schema", NULL };
    PyObject *requested = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:__arrow_c_stream__", kwlist, &requested))
        return NULL;
    if (self->stream.release == NULL || self->schema.release != NULL) {
        PyErr_SetString(tirpy_Error, "the stream was already handed over, iterated or closed");
        return NULL;
    }
    self->handed_over = true;
    return capsule_with(&self->stream, (PyObject *)self->program, program_free_again);
}

/* The next batch as a dict of numpy arrays, waiting for it without the GIL. */
static PyObject *Stream_next(StreamObject *self)
{
    struct ArrowArray batch;
    PyObject *res;
    int rc = 0;

    if (self->stream.release == NULL) {
        if (self->handed_over)
            PyErr_SetString(tirpy_Error, "the stream was handed over through __arrow_c_stream__");
        return NULL;          /* closed or at its end: StopIteration */
    }
    Py_BEGIN_ALLOW_THREADS
    if (self->schema.release == NULL)
        rc = self->stream.get_schema(&self->stream, &self->schema);
    if (rc == 0)
        rc = self->stream.get_next(&self->stream, &batch);
    Py_END_ALLOW_THREADS
    if (rc != 0) {
        const char *msg = self->stream.get_last_error(&self->stream);
        PyObject *exc = rc == ENOMEM ? tirpy_OutOfMemoryError : tirpy_ExecutionError;
        PyErr_SetString(exc, msg ? msg : strerror(rc));
        stream_close(self);
        return NULL;
    }
    if (batch.release == NULL) {
        stream_close(self);
        return NULL;
    }
    res = tirpy_batch_numpy(&self->schema, &batch);
    batch.release(&batch);
    return res;
}

static PyObject *Stream_close(StreamObject *self, PyObject *noargs)
{
    (void)noargs;
    stream_close(self);
    Py_RETURN_NONE;
}

static PyObject *Stream_enter(StreamObject *self, PyObject *noargs)
{
    (void)noargs;
    return Py_NewRef(self);
}

static PyObject *Stream_exit(StreamObject *self, PyObject *args)
{
    (void)args;
    stream_close(self);
    Py_RETURN_FALSE;
}

static void Stream_dealloc(StreamObject *self)
{
    stream_close(self);
    Py_XDECREF(self->program);
    PyObject_Free(self);
}

static PyMethodDef Stream_methods[] = {
    { "__arrow_c_stream__", (PyCFunction)(void (*)(void))Stream_arrow, METH_VARARGS | METH_KEYWORDS,
      "__arrow_c_stream__(requested_schema=None) -> PyCapsule 'arrow_array_stream': the live stream\n"
      "(once). Releasing it before its end cancels the run." },
    { "close", (PyCFunction)Stream_close, METH_NOARGS, "Stops the run (if still going) and frees the stream." },
    { "__enter__", (PyCFunction)Stream_enter, METH_NOARGS, NULL },
    { "__exit__", (PyCFunction)Stream_exit, METH_VARARGS, NULL },
    { NULL, NULL, 0, NULL }
};

PyTypeObject tirpy_StreamType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tir.Stream",
    .tp_basicsize = sizeof(StreamObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An output handed over while its program runs (Engine.stream): iterate it for its\n"
              "batches as dicts of numpy arrays, or hand it over through __arrow_c_stream__\n"
              "(Engine.register takes it too). close() cancels the run.",
    .tp_dealloc = (destructor)Stream_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)Stream_next,
    .tp_methods = Stream_methods,
};
