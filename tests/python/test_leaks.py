"""References and memory: 10,000 cycles of everything the module does
(register, compile, bind, run, numpy, rows, Arrow export both ways, errors)
must not grow the process: a leaked result, array or stream per cycle would
add megabytes."""
import datetime
import gc
import sys

import numpy as np

import tir
from arrow_ctypes import capsule_stream, read_stream, release

PROG = """
$lo: i64
$since: date
$tag: string
t: Table = registered("t")
p: Pipeline = { v = table_scan :table = t
                w = filter :input = v :expr = $in.x >= $lo && $in.d >= $since && $in.s != $tag }
output p.w
"""


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def cycle(engine, other, i):
    cols = {"x": np.ma.masked_array(np.arange(200), mask=np.arange(200) % 5 == 0),
            "d": np.arange(200).astype("datetime64[D]"),
            "s": np.array(["a long string number %d" % k for k in range(200)], dtype=object)}
    engine.register("t", cols)
    prog = engine.compile(PROG)
    res = prog.run(lo=i % 50, since=datetime.date(1970, 1, 2), tag="x")
    out = res.to_numpy()
    assert len(out["x"]) == res.num_rows
    rows = res.fetchall()
    assert len(rows) == len(res.format().splitlines()) - 7 and len(repr(res)) > 0
    other.register("u", res)                      # a capsule, consumed by tir
    res2 = prog.run()
    capsule = res2.__arrow_c_stream__()          # the capsule owns the struct: keep it
    stream = capsule_stream(capsule)
    read_stream(stream)
    release(stream)
    del capsule
    prog.run().__arrow_c_stream__()               # a capsule nobody consumed
    with prog.stream() as live:
        other.register("v", live)
    try:
        prog.bind(lo="bad")
    except tir.ParameterTypeError:
        pass
    try:
        engine.compile("p: Pipeline = {")
    except tir.CompileError:
        pass


def test_no_growth_over_10000_cycles():
    engine = tir.Engine(threads=1)
    other = tir.Engine(threads=1)
    for i in range(500):                          # allocator and caches settle
        cycle(engine, other, i)
    gc.collect()
    before = rss_kib()
    refs_before = sys.gettotalrefcount() if hasattr(sys, "gettotalrefcount") else None
    for i in range(10_000):
        cycle(engine, other, i)
    gc.collect()
    grown = rss_kib() - before
    print(f"RSS grew {grown} KiB over 10,000 cycles")
    assert grown < 8 * 1024, f"RSS grew {grown} KiB over 10,000 cycles"
    if refs_before is not None:
        assert sys.gettotalrefcount() - refs_before < 1000
