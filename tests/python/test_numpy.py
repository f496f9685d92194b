"""numpy in and out: every type with NULLs round-trips through a registered
table and a scan; 100k+ rows in many batches; the dtypes tir widens; the
errors that name the column."""
import datetime

import numpy as np
import pytest

import tir

SCAN = 't: Table = registered("t")\np: Pipeline = { v = table_scan :table = t }\noutput p.v'


def roundtrip(engine, columns):
    engine.register("t", columns)
    return engine.run(SCAN).to_numpy()


def test_every_type_with_nulls(engine):
    n = 1000
    null = np.arange(n) % 7 == 3
    cols = {
        "b": np.ma.masked_array(np.arange(n) % 3 == 0, mask=null),
        "i": np.ma.masked_array(np.arange(n, dtype=np.int32) - 500, mask=null),
        "l": np.ma.masked_array(np.arange(n, dtype=np.int64) * 2**33, mask=null),
        "f": np.ma.masked_array(np.arange(n) / 8.0, mask=null),
        "d": np.ma.masked_array(np.arange(n).astype("datetime64[D]") - 400, mask=null),
        "s": np.ma.masked_array(np.array(["s%d" % i + "x" * (i % 20) for i in range(n)], dtype=object), mask=null),
    }
    out = roundtrip(engine, cols)
    assert list(out) == list(cols)
    for name, col in cols.items():
        got = out[name]
        assert isinstance(got, np.ma.MaskedArray), name
        assert got.mask.tolist() == null.tolist(), name
        assert got.compressed().tolist() == col.compressed().tolist(), name
    assert out["i"].dtype == np.int32 and out["l"].dtype == np.int64 and out["f"].dtype == np.float64
    assert out["b"].dtype == np.bool_ and out["d"].dtype == np.dtype("datetime64[D]") and out["s"].dtype == object
    # under a NULL: zero, NaT or None, never leftovers
    assert out["l"].data[3] == 0 and np.isnat(out["d"].data[3]) and out["s"].data[3] is None


def test_without_nulls_plain_arrays(engine):
    cols = {"x": np.array([3, 1, 2], dtype=np.int64), "s": np.array(["a", "bb", ""])}
    out = roundtrip(engine, cols)
    assert type(out["x"]) is np.ndarray and out["x"].tolist() == [3, 1, 2]
    assert out["s"].tolist() == ["a", "bb", ""]


def test_validity_tuple_nat_and_none(engine):
    out = roundtrip(engine, {
        "x": (np.array([1, 2, 3], dtype=np.int64), np.array([True, False, True])),
        "d": np.array(["2024-02-29", "NaT", "1900-01-01"], dtype="datetime64[D]"),
        "s": np.array(["a", None, "c"], dtype=object),
    })
    assert out["x"].mask.tolist() == [False, True, False]
    assert out["d"].mask.tolist() == [False, True, False]
    assert out["d"].compressed().tolist() == [datetime.date(2024, 2, 29), datetime.date(1900, 1, 1)]
    assert out["s"].mask.tolist() == [False, True, False]


def test_widened_dtypes(engine):
    cols = {"i8": np.array([-128, 127], dtype=np.int8), "u8": np.array([0, 255], dtype=np.uint8),
            "i16": np.array([-32768, 5], dtype=np.int16), "u16": np.array([65535, 1], dtype=np.uint16),
            "u32": np.array([2**32 - 1, 0], dtype=np.uint32), "f32": np.array([1.5, -0.25], dtype=np.float32),
            "big": np.array([1, 2], dtype=">i8"), "strided": np.arange(4, dtype=np.int64)[::2],
            "bytes": np.array([b"ab", b"\xff\x00z"]), "unicode": np.array(["ü", "日本"])}
    engine.register("t", cols)
    res = engine.run(SCAN)
    assert res.types == ("i32", "i32", "i32", "i32", "i64", "f64", "i64", "i64", "string", "string")
    out = res.to_numpy()
    for name in ("i8", "u8", "i16", "u16", "u32", "f32", "big", "strided", "unicode"):
        assert out[name].tolist() == cols[name].tolist(), name
    # bytes that are not UTF-8 come back as surrogate escapes, and encode back to themselves
    assert [s.encode("utf-8", "surrogateescape") for s in out["bytes"]] == [b"ab", b"\xff\x00z"]


def test_many_batches():
    n = 150_000
    eng = tir.Engine(threads=2, batch_size=1000)
    rng = np.random.default_rng(7)
    x = rng.integers(-1000, 1000, n)
    valid = rng.random(n) > 0.1
    eng.register("t", {"x": (x, valid), "k": np.arange(n) % 10})
    prog = """
    t: Table = registered("t")
    p: Pipeline = { v = table_scan :table = t
                    g = hash_group_by :input = v :group_by = ["k"]
                        :aggregates = { "n": count($in.x), "s": sum($in.x) } }
    q: Pipeline = { v = table_scan :table = p.g
                    s = sort :input = v :by = [$in.k] }
    output q.s
    """
    got = eng.run(prog).to_numpy()
    k = np.arange(n) % 10
    assert got["k"].tolist() == list(range(10))
    assert got["n"].tolist() == [int(valid[k == i].sum()) for i in range(10)]
    assert got["s"].tolist() == [int(x[(k == i) & valid].sum()) for i in range(10)]
    # the scan itself: 150 batches of 1000 rows back in order
    res = eng.run(SCAN)
    assert res.num_rows == n
    out = res.to_numpy()
    assert out["x"].mask.tolist() == (~valid).tolist()
    assert (out["x"].compressed() == x[valid]).all()
    assert (out["k"] == k).all()


def test_empty_table(engine):
    out = roundtrip(engine, {"x": np.array([], dtype=np.int64), "s": np.array([], dtype=object)})
    assert out["x"].shape == (0,)


def test_lists_are_arrays(engine):
    out = roundtrip(engine, {"x": [1, 2, 3], "f": [0.5, 1.5, 2.5], "s": ["a", "b", "c"]})
    assert out["x"].tolist() == [1, 2, 3] and out["s"].tolist() == ["a", "b", "c"]


@pytest.mark.parametrize("col, match", [
    (np.array([1, 2], dtype=np.uint64), "column 'bad' has dtype uint64"),
    (np.array([1 + 2j, 3j]), "column 'bad' has dtype complex128"),
    (np.array(["2024-01-01T10", "NaT"], dtype="datetime64[h]"), r"column 'bad' has dtype datetime64\[h\].*astype"),
    (np.array([1, "a"], dtype=object), "column 'bad': row 0 holds a int"),
])
def test_unsupported_dtype_names_the_column(engine, col, match):
    with pytest.raises(tir.DataError, match=match):
        engine.register("t", {"ok": np.array([1, 2]), "bad": col})


def test_shape_errors(engine):
    with pytest.raises(ValueError, match="column 'b' has 3 rows, the columns before it 2"):
        engine.register("t", {"a": np.array([1, 2]), "b": np.array([1, 2, 3])})
    with pytest.raises(ValueError, match="1-dimensional"):
        engine.register("t", {"a": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="no column"):
        engine.register("t", {})
    with pytest.raises(TypeError, match="cannot register a int"):
        engine.register("t", 5)


def test_registered_arrays_outlive_the_caller(engine):
    # the table keeps the arrays tir reads in place: dropping the caller's
    # references must not change what a later run reads
    x = np.arange(100_000, dtype=np.int64)
    engine.register("t", {"x": x})
    del x
    import gc
    gc.collect()
    junk = [np.full(100_000, -1, dtype=np.int64) for _ in range(10)]
    assert engine.run(SCAN)["x"].tolist() == list(range(100_000))
    del junk


def test_reregister_keeps_compiled_programs(engine):
    engine.register("t", {"x": np.array([1, 2, 3])})
    prog = engine.compile(SCAN)
    engine.register("t", {"x": np.array([7])})
    assert prog.run().fetchall() == [(1,), (2,), (3,)]
    assert engine.run(SCAN).fetchall() == [(7,)]
    engine.unregister("t")
    assert prog.run().num_rows == 3
    with pytest.raises(tir.ArgumentError):
        engine.unregister("t")


def test_any_mapping_of_columns(engine):
    import types
    engine.register("t", types.MappingProxyType({"x": np.array([4, 5])}))
    assert engine.run(SCAN).fetchall() == [(4,), (5,)]
