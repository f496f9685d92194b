"""The Arrow C Data / C Stream structs in ctypes, for the tests: a consumer
that reads a capsule's stream (as pyarrow would; Debian has no pyarrow) and
producers of int64/utf8 record batches that count their release calls."""
import ctypes
import decimal
from ctypes import POINTER, Structure, c_char_p, c_int, c_int64, c_void_p

import numpy as np


class ArrowSchema(Structure):
    pass


ArrowSchema._fields_ = [
    ("format", c_char_p), ("name", c_char_p), ("metadata", c_char_p), ("flags", c_int64),
    ("n_children", c_int64), ("children", POINTER(POINTER(ArrowSchema))),
    ("dictionary", POINTER(ArrowSchema)), ("release", c_void_p), ("private_data", c_void_p)]


class ArrowArray(Structure):
    pass


ArrowArray._fields_ = [
    ("length", c_int64), ("null_count", c_int64), ("offset", c_int64), ("n_buffers", c_int64),
    ("n_children", c_int64), ("buffers", POINTER(c_void_p)), ("children", POINTER(POINTER(ArrowArray))),
    ("dictionary", POINTER(ArrowArray)), ("release", c_void_p), ("private_data", c_void_p)]


class ArrowArrayStream(Structure):
    pass


SCHEMA_RELEASE = ctypes.CFUNCTYPE(None, POINTER(ArrowSchema))
ARRAY_RELEASE = ctypes.CFUNCTYPE(None, POINTER(ArrowArray))
GET_SCHEMA = ctypes.CFUNCTYPE(c_int, POINTER(ArrowArrayStream), POINTER(ArrowSchema))
GET_NEXT = ctypes.CFUNCTYPE(c_int, POINTER(ArrowArrayStream), POINTER(ArrowArray))
GET_LAST_ERROR = ctypes.CFUNCTYPE(c_char_p, POINTER(ArrowArrayStream))
STREAM_RELEASE = ctypes.CFUNCTYPE(None, POINTER(ArrowArrayStream))

ArrowArrayStream._fields_ = [
    ("get_schema", c_void_p), ("get_next", c_void_p), ("get_last_error", c_void_p),
    ("release", c_void_p), ("private_data", c_void_p)]

_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype = c_void_p
_get_pointer.argtypes = [ctypes.py_object, c_char_p]
_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [c_void_p, c_char_p, c_void_p]


def capsule_stream(capsule):
    """The ArrowArrayStream inside a capsule named arrow_array_stream."""
    return ArrowArrayStream.from_address(_get_pointer(capsule, b"arrow_array_stream"))


def _bit(buf, i):
    return (ctypes.c_uint8.from_address(buf + i // 8).value >> (i % 8)) & 1


def _column(schema, array):
    """One child array as a list of Python values (None for NULL)."""
    fmt, n, off = schema.format, array.length, array.offset
    bufs = array.buffers
    valid = bufs[0]
    out = []
    for i in range(off, off + n):
        if valid and array.null_count != 0 and not _bit(valid, i):
            out.append(None)
        elif fmt == b"l":
            out.append(c_int64.from_address(bufs[1] + 8 * i).value)
        elif fmt in (b"i", b"tdD"):
            out.append(ctypes.c_int32.from_address(bufs[1] + 4 * i).value)
        elif fmt == b"g":
            out.append(ctypes.c_double.from_address(bufs[1] + 8 * i).value)
        elif fmt == b"b":
            out.append(bool(_bit(bufs[1], i)))
        elif fmt.startswith(b"d:"):
            # decimal128: 16 bytes little-endian two's complement, read whole
            scale = int(fmt[2:].split(b",")[1])
            v = int.from_bytes(ctypes.string_at(bufs[1] + 16 * i, 16), "little", signed=True)
            out.append(decimal.Decimal(v).scaleb(-scale))
        elif fmt == b"u":
            start = ctypes.c_int32.from_address(bufs[1] + 4 * i).value
            end = ctypes.c_int32.from_address(bufs[1] + 4 * i + 4).value
            out.append(ctypes.string_at(bufs[2] + start, end - start).decode())
        else:
            raise AssertionError(f"unexpected format {fmt}")
    return out


def read_stream(stream, max_batches=None):
    """Consumes stream as a consumer must: the schema, the batches (each
    released once), the stream released once. Returns (fields, rows) where
    fields is [(name, format, nullable)]."""
    schema = ArrowSchema()
    assert GET_SCHEMA(stream.get_schema)(ctypes.byref(stream), ctypes.byref(schema)) == 0
    assert schema.format == b"+s"
    fields = [(schema.children[c][0].name.decode(), schema.children[c][0].format.decode(),
               bool(schema.children[c][0].flags & 2)) for c in range(schema.n_children)]
    rows = []
    nbatches = 0
    while max_batches is None or nbatches < max_batches:
        array = ArrowArray()
        rc = GET_NEXT(stream.get_next)(ctypes.byref(stream), ctypes.byref(array))
        if rc != 0:
            raise OSError(rc, GET_LAST_ERROR(stream.get_last_error)(ctypes.byref(stream)))
        if not array.release:
            break
        nbatches += 1
        cols = [_column(schema.children[c][0], array.children[c][0]) for c in range(array.n_children)]
        rows.extend(zip(*cols))
        ARRAY_RELEASE(array.release)(ctypes.byref(array))
        assert not array.release, "an array's release must set release to NULL"
    SCHEMA_RELEASE(schema.release)(ctypes.byref(schema))
    assert not schema.release
    return fields, rows, nbatches


def release(stream):
    STREAM_RELEASE(stream.release)(ctypes.byref(stream))
    assert not stream.release, "the stream's release must set release to NULL"


class CountingProducer:
    """Record batches of one int64 column "x" (and a utf8 column "s") made
    in ctypes, as a foreign producer would hand them over: counts every
    release call, so a test can check each is called exactly once."""

    def __init__(self, batches):
        self.batches = [np.asarray(b, dtype=np.int64) for b in batches]
        self.released = {"stream": 0, "schema": 0, "array": 0}
        self.schemas_made = 0
        self.arrays_made = 0
        self.keep = []
        self._callbacks = [GET_SCHEMA(self._get_schema), GET_NEXT(self._get_next),
                           GET_LAST_ERROR(self._last_error), STREAM_RELEASE(self._release_stream),
                           SCHEMA_RELEASE(self._release_schema), ARRAY_RELEASE(self._release_array),
                           SCHEMA_RELEASE(self._release_child_schema), ARRAY_RELEASE(self._release_child_array)]
        self.next = 0
        self.stream = ArrowArrayStream()
        self.stream.get_schema = ctypes.cast(self._callbacks[0], c_void_p)
        self.stream.get_next = ctypes.cast(self._callbacks[1], c_void_p)
        self.stream.get_last_error = ctypes.cast(self._callbacks[2], c_void_p)
        self.stream.release = ctypes.cast(self._callbacks[3], c_void_p)

    def _fill_schema(self, out):
        kids = (ArrowSchema * 2)()
        for k, (fmt, name) in zip(kids, [(b"l", b"x"), (b"u", b"s")]):
            k.format, k.name, k.flags = fmt, name, 2
            k.release = ctypes.cast(self._callbacks[6], c_void_p)
        ptrs = (POINTER(ArrowSchema) * 2)(ctypes.pointer(kids[0]), ctypes.pointer(kids[1]))
        self.keep += [kids, ptrs]
        out.format, out.name, out.n_children = b"+s", b"", 2
        out.children = ptrs
        out.release = ctypes.cast(self._callbacks[4], c_void_p)
        self.schemas_made += 1

    def _get_schema(self, stream, out):
        self._fill_schema(out[0])
        return 0

    def _fill_array(self, out, values):
        n = len(values)
        text = b"".join(b"v%d" % v for v in values)
        offsets = np.zeros(n + 1, dtype=np.int32)
        offsets[1:] = np.cumsum([len(b"v%d" % v) for v in values])
        strbuf = ctypes.create_string_buffer(text, len(text) + 1)
        kids = (ArrowArray * 2)()
        bufs_x = (c_void_p * 2)(None, values.ctypes.data)
        bufs_s = (c_void_p * 3)(None, offsets.ctypes.data, ctypes.addressof(strbuf))
        for k, bufs, nb in ((kids[0], bufs_x, 2), (kids[1], bufs_s, 3)):
            k.length, k.n_buffers, k.buffers = n, nb, bufs
            k.release = ctypes.cast(self._callbacks[7], c_void_p)
        ptrs = (POINTER(ArrowArray) * 2)(ctypes.pointer(kids[0]), ctypes.pointer(kids[1]))
        top_bufs = (c_void_p * 1)(None)
        self.keep += [values, offsets, strbuf, kids, bufs_x, bufs_s, ptrs, top_bufs]
        out.length, out.n_buffers, out.buffers, out.n_children, out.children = n, 1, top_bufs, 2, ptrs
        out.release = ctypes.cast(self._callbacks[5], c_void_p)
        self.arrays_made += 1

    def _get_next(self, stream, out):
        ctypes.memset(out, 0, ctypes.sizeof(ArrowArray))
        if self.next < len(self.batches):
            self._fill_array(out[0], self.batches[self.next])
            self.next += 1
        return 0

    def _last_error(self, stream):
        return None

    def _release_stream(self, stream):
        self.released["stream"] += 1
        stream[0].release = None

    def _release_schema(self, schema):
        self.released["schema"] += 1
        for i in range(schema[0].n_children):
            kid = schema[0].children[i][0]
            if kid.release:
                SCHEMA_RELEASE(kid.release)(schema[0].children[i])
        schema[0].release = None

    def _release_child_schema(self, schema):
        schema[0].release = None

    def _release_array(self, array):
        self.released["array"] += 1
        for i in range(array[0].n_children):
            if array[0].children[i][0].release:
                ARRAY_RELEASE(array[0].children[i][0].release)(array[0].children[i])
        array[0].release = None

    def _release_child_array(self, array):
        array[0].release = None

    def __arrow_c_stream__(self, requested_schema=None):
        # no destructor: this object owns the struct, and the test counts
        return _capsule_new(ctypes.addressof(self.stream), b"arrow_array_stream", None)

    def one_array(self):
        """__arrow_c_array__'s pair for the first batch."""
        schema, array = ArrowSchema(), ArrowArray()
        self._fill_schema(schema)
        self._fill_array(array, self.batches[0])
        self.keep += [schema, array]
        return (_capsule_new(ctypes.addressof(schema), b"arrow_schema", None),
                _capsule_new(ctypes.addressof(array), b"arrow_array", None))


class ArrayProducer:
    def __init__(self, producer):
        self.producer = producer

    def __arrow_c_array__(self, requested_schema=None):
        return self.producer.one_array()
