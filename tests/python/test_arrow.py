"""The Arrow PyCapsule interface both ways: tir's results and live streams
read by a ctypes consumer and registered in tir again; foreign producers
(ctypes) registered, each release callback called exactly once."""
import datetime
import gc
import time

import numpy as np
import pytest

import tir
from arrow_ctypes import ArrayProducer, CountingProducer, capsule_stream, read_stream, release

SCAN = 't: Table = registered("t")\np: Pipeline = { v = table_scan :table = t }\noutput p.v'

TYPES = {
    "b": np.ma.masked_array([True, False, True, False], mask=[0, 0, 1, 0]),
    "i": np.ma.masked_array(np.array([1, -2, 3, 4], dtype=np.int32), mask=[0, 1, 0, 0]),
    "l": np.array([2**40, -1, 0, 7], dtype=np.int64),
    "f": np.ma.masked_array([0.5, 1.5, 2.5, 3.5], mask=[1, 0, 0, 0]),
    "d": np.array(["2024-01-01", "NaT", "1969-07-20", "2000-02-29"], dtype="datetime64[D]"),
    "s": np.array(["short", "a string longer than twelve bytes", None, "ü"], dtype=object),
}


def test_result_read_by_a_consumer(engine):
    engine.register("t", TYPES)
    res = engine.run(SCAN)
    capsule = res.__arrow_c_stream__()
    stream = capsule_stream(capsule)
    fields, rows, _ = read_stream(stream)
    assert fields == [("b", "b", True), ("i", "i", True), ("l", "l", False), ("f", "g", True),
                      ("d", "tdD", True), ("s", "u", True)]
    days = [(datetime.date(2024, 1, 1) - datetime.date(1970, 1, 1)).days, None, -165,
            (datetime.date(2000, 2, 29) - datetime.date(1970, 1, 1)).days]
    assert rows == list(zip([True, False, None, False], [1, None, 3, 4], [2**40, -1, 0, 7], [None, 1.5, 2.5, 3.5],
                            days, ["short", "a string longer than twelve bytes", None, "ü"]))
    release(stream)
    del capsule   # its destructor finds the stream released: nothing to do
    gc.collect()
    # the rows moved into the stream
    with pytest.raises(tir.Error, match="handed over as an Arrow stream"):
        res.to_numpy()
    with pytest.raises(tir.Error, match="handed over"):
        res.__arrow_c_stream__()


def test_result_registered_in_tir_again(engine):
    engine.register("t", TYPES)
    other = tir.Engine(threads=1)
    other.register("t", engine.run(SCAN))
    back = other.run(SCAN).to_numpy()
    for name, col in TYPES.items():
        col = np.ma.masked_invalid(col) if name == "d" else np.ma.masked_array(col)
        if name == "s":
            col = np.ma.masked_array(col, mask=[v is None for v in col])
        assert np.ma.getmaskarray(back[name]).tolist() == np.ma.getmaskarray(col).tolist(), name
        assert np.ma.masked_array(back[name]).compressed().tolist() == col.compressed().tolist(), name


def test_unconsumed_capsule_is_released(engine):
    engine.register("t", {"x": np.arange(10)})
    res = engine.run(SCAN)
    capsule = res.__arrow_c_stream__()
    del capsule          # released by the capsule's destructor
    gc.collect()
    del res


BIG = """
t: Table = registered("big")
p: Pipeline = { v = table_scan :table = t
                w = filter :input = v :expr = $in.x % 3 == 0 }
output p.w
"""


@pytest.fixture
def big(engine):
    x = np.arange(300_000, dtype=np.int64)
    engine.register("big", {"x": x, "s": np.array(["r%d" % i for i in range(100)], dtype=object)[x % 100]})
    return x


def test_live_stream_into_another_engine(engine, big):
    other = tir.Engine(threads=1)
    with engine.stream(BIG) as stream:
        other.register("w", stream)
    res = other.run("""
    t: Table = registered("w")
    p: Pipeline = { v = table_scan :table = t
                    a = aggregate :input = v :aggregates = { "n": count(*), "s": sum($in.x) } }
    output p.a
    """)
    assert res.fetchall() == [(100_000, int(big[big % 3 == 0].sum()))]


def test_live_stream_released_early(engine, big):
    prog = engine.compile(BIG)
    stream = prog.stream()
    with pytest.raises(tir.Error, match="live Stream"):
        prog.run()
    capsule = stream.__arrow_c_stream__()
    c = capsule_stream(capsule)
    _, rows, nbatches = read_stream(c, max_batches=1)
    assert nbatches == 1 and rows[0] == (0, "r0")
    t0 = time.monotonic()
    release(c)            # cancels the run, joins its thread
    assert time.monotonic() - t0 < 5
    # the program is free again once the consumer released the stream
    assert prog.run().num_rows == 100_000
    del capsule


def test_live_stream_closed_and_dropped(engine, big):
    prog = engine.compile(BIG)
    stream = prog.stream(output="p.w")
    stream.close()
    with pytest.raises(tir.Error, match="closed"):
        stream.__arrow_c_stream__()
    assert prog.run().num_rows == 100_000
    capsule = prog.stream().__arrow_c_stream__()
    del capsule           # never consumed: the destructor releases it, cancelling the run
    gc.collect()
    assert prog.run().num_rows == 100_000


def test_foreign_stream_each_release_once(engine):
    p = CountingProducer([[1, 2, 3], [4, 5], [6]])
    engine.register("f", p)
    assert p.released["stream"] == 1
    assert p.released["schema"] == p.schemas_made
    prog = engine.compile('t: Table = registered("f")\np: Pipeline = { v = table_scan :table = t }\noutput p.v')
    assert prog.run().fetchall() == [(i, "v%d" % i) for i in range(1, 7)]
    assert p.released["array"] == 0          # tir reads them in place until dropped
    engine.unregister("f")
    assert p.released["array"] == 0          # the program still holds them
    del prog
    gc.collect()
    assert p.released == {"stream": 1, "schema": p.schemas_made, "array": 3}


def test_foreign_array(engine):
    p = CountingProducer([[10, 20]])
    engine.register("a", ArrayProducer(p))
    res = engine.run('t: Table = registered("a")\np: Pipeline = { v = table_scan :table = t }\noutput p.v')
    assert res.fetchall() == [(10, "v10"), (20, "v20")]
    engine.register("a", {"x": np.array([1])})     # the old registration goes
    assert p.released["schema"] == 1
    del res
    gc.collect()
    assert p.released["array"] == 1


def test_consumed_capsule_refused(engine):
    engine.register("t", {"x": np.arange(3)})
    capsule = engine.run(SCAN).__arrow_c_stream__()

    class Holder:
        def __arrow_c_stream__(self, requested_schema=None):
            return capsule

    engine.register("u", Holder())
    with pytest.raises(ValueError, match="already consumed"):
        engine.register("v", Holder())


def test_live_stream_iterated(engine, big):
    prog = engine.compile(BIG)
    total, n, batches = 0, 0, 0
    for batch in prog.stream():
        assert list(batch) == ["x", "s"]
        assert batch["x"].dtype == np.int64 and batch["s"].dtype == object
        total += int(batch["x"].sum())
        n += len(batch["x"])
        batches += 1
        assert batch["s"][0] == "r%d" % (batch["x"][0] % 100)
    assert (n, total) == (100_000, int(big[big % 3 == 0].sum()))
    assert batches > 10
    # every type, NULLs as masked arrays, as to_numpy gives them
    engine.register("t", TYPES)
    batch = next(iter(engine.stream(SCAN)))
    whole = engine.run(SCAN).to_numpy()
    for name in TYPES:
        assert type(batch[name]) is type(whole[name]), name
        assert batch[name].dtype == whole[name].dtype, name
        assert np.ma.getmaskarray(batch[name]).tolist() == np.ma.getmaskarray(whole[name]).tolist(), name
        assert np.ma.masked_array(batch[name]).compressed().tolist() == \
            np.ma.masked_array(whole[name]).compressed().tolist(), name


def test_live_stream_stopped_while_iterated(engine, big):
    prog = engine.compile(BIG)
    stream = prog.stream()
    next(stream)
    stream.close()
    assert list(stream) == []
    assert prog.run().num_rows == 100_000
    stream = prog.stream()
    next(stream)
    with pytest.raises(tir.Error, match="iterated"):
        stream.__arrow_c_stream__()
    del stream            # cancels the run
    assert prog.run().num_rows == 100_000


def test_live_stream_run_error(engine):
    engine.register("t", {"x": np.array([1, 2**40], dtype=np.int64)})
    stream = engine.stream('t: Table = registered("t")\np: Pipeline = { v = table_scan :table = t\n'
                           '  w = project :input = v :columns = { "y": $in.x * $in.x } }\noutput p.w')
    with pytest.raises(tir.ExecutionError, match="integer overflow"):
        list(stream)
