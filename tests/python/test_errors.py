"""Errors as exceptions: compile errors with file:line:col, parameters
unbound, unknown, of the wrong type or out of range, run-time errors,
memory, cancellation and Ctrl-C."""
import datetime
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import tir


def test_compile_error_has_position(engine):
    with pytest.raises(tir.CompileError) as e:
        engine.compile("t: Table = registered(\"nope\")\np: Pipeline = {\n    v = table_scan :table = t\n}\noutput p.v",
                       file="q.tir")
    msg = str(e.value)
    assert msg.startswith("q.tir:1:"), msg
    assert "nope" in msg and "^" in msg
    assert e.value.diagnostics[0][:2] == ("q.tir", 1) and e.value.diagnostics[0][3] == "error"
    assert isinstance(e.value, tir.Error)


def test_type_error_line_and_col(engine):
    engine.register("t", {"name": np.array(["a"])})
    with pytest.raises(tir.CompileError, match=r"<string>:4:37: error: cannot compare string with i32"):
        engine.compile('t: Table = registered("t")\n'
                       'p: Pipeline = {\n'
                       '    v1 = table_scan :table = t\n'
                       '    v2 = filter :input = v1 :expr = $in.name > 3\n'
                       '}\noutput p.v2')


PROG = """
$lo: i64
$day: date nullable
$name: string
t: Table = registered("t")
p: Pipeline = { v = table_scan :table = t
                w = filter :input = v :expr = $in.x >= $lo && $in.s != $name && ($day is null || $in.d >= $day) }
output p.w
"""


@pytest.fixture
def prog(engine):
    engine.register("t", {"x": np.arange(10), "s": np.array(list("abcdefghij")),
                          "d": np.arange(10).astype("datetime64[D]")})
    return engine.compile(PROG)


def test_unbound_parameter(prog):
    prog.bind(lo=1, day=None)
    with pytest.raises(tir.ArgumentError, match=r"<string>:4:1: error: parameter \$name \(string\) is not bound"):
        prog.run()


def test_parameter_errors(prog):
    with pytest.raises(tir.ParameterTypeError, match=r"parameter \$lo is i64: cannot bind a str"):
        prog.bind(lo="5")
    with pytest.raises(TypeError):                 # ParameterTypeError is a TypeError too
        prog.bind(lo=1.5)
    with pytest.raises(tir.ParameterTypeError, match=r"\$lo is i64: cannot bind a bool"):
        prog.bind(lo=True)
    with pytest.raises(tir.ParameterTypeError, match=r"pass \.date\(\)"):
        prog.bind(day=datetime.datetime(2024, 1, 1, 12))
    with pytest.raises(tir.ArgumentError, match=r"no parameter \$hi \(it declares \('lo', 'day', 'name'\)\)"):
        prog.bind(hi=1)
    with pytest.raises(tir.ArgumentError, match="out of its range"):
        prog.bind(lo=2**70)
    with pytest.raises(tir.ArgumentError, match=r"\$name"):
        prog.bind(name=None)                      # not declared nullable
    prog.bind({"$lo": 7}, name="h", day=datetime.date(1970, 1, 9))
    assert prog.run().fetchall() == [(8, "i", datetime.date(1970, 1, 9)), (9, "j", datetime.date(1970, 1, 10))]
    prog.clear_bindings()
    with pytest.raises(tir.ArgumentError, match="not bound"):
        prog.run()


def test_runtime_error(engine):
    engine.register("t", {"x": np.array([1, 2**40], dtype=np.int64)})
    with pytest.raises(tir.ExecutionError, match=r"<string>:3:\d+: error: integer overflow") as e:
        engine.run('t: Table = registered("t")\np: Pipeline = { v = table_scan :table = t\n'
                   '  w = project :input = v :columns = { "y": $in.x * $in.x } }\noutput p.w')
    assert isinstance(e.value, RuntimeError)


def test_out_of_memory():
    eng = tir.Engine(threads=1, memory_limit="2M", no_spill=True)
    eng.register("t", {"k": np.arange(500_000)})
    with pytest.raises(tir.OutOfMemoryError) as e:
        eng.run('t: Table = registered("t")\np: Pipeline = { v = table_scan :table = t\n'
                '  g = hash_group_by :input = v :group_by = ["k"] :aggregates = { "n": count(*) } }\noutput p.g')
    assert isinstance(e.value, MemoryError)


# Every row of a 40k-row table matches every other: 1.6e9 pairs to count,
# many seconds of work that a cancel stops at the next batch.
SLOW = """
t: Table = registered("t")
p: Pipeline = { v = table_scan :table = t
                h = build_hash :input = v :key = ["k"] :value = ["x"] }
q: Pipeline = { v = table_scan :table = t
                j = hash_join :input = v :ht = p.h :key = [$in.k] :projection = [$in.x]
                a = aggregate :input = j :aggregates = { "n": count(*) } }
output q.a
"""


def slow_engine():
    eng = tir.Engine(threads=1)
    eng.register("t", {"k": np.zeros(40_000, dtype=np.int64), "x": np.arange(40_000)})
    return eng


def test_engine_cancel_from_another_thread():
    eng = slow_engine()
    threading.Timer(0.3, eng.cancel).start()
    t0 = time.monotonic()
    with pytest.raises(tir.CancelledError):
        eng.run(SLOW)
    assert time.monotonic() - t0 < 10
    # a cancel is spent by the run it stopped
    assert eng.run('t: Table = registered("t")\np: Pipeline = { v = table_scan :table = t\n'
                   'a = aggregate :input = v :aggregates = { "n": count(*) } }\noutput p.a').fetchall() == [(40_000,)]


def test_ctrl_c_interrupts_a_run():
    # in a child, so that its SIGINT cannot reach pytest
    script = textwrap.dedent(f"""
        import os, signal, sys, threading, time
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        import test_errors, tir
        eng = test_errors.slow_engine()
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
        t0 = time.monotonic()
        try:
            eng.run(test_errors.SLOW)
            print("finished")
        except KeyboardInterrupt:
            print("interrupted after %.1f s" % (time.monotonic() - t0))
        # the engine and the program are usable again
        print(eng.run('t: Table = registered("t")\\np: Pipeline = {{ v = table_scan :table = t\\n'
                      'a = aggregate :input = v :aggregates = {{ "n": count(*) }} }}\\noutput p.a').fetchall())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("interrupted after"), out.stdout
    assert float(lines[0].split()[2]) < 5
    assert lines[1] == "[(40000,)]"


def test_program_used_by_one_thread_at_a_time():
    eng = slow_engine()
    prog = eng.compile(SLOW)
    errors = []
    t = threading.Thread(target=lambda: errors.append(pytest.raises(tir.CancelledError, prog.run)))
    t.start()
    time.sleep(0.3)
    with pytest.raises(tir.Error, match="another thread"):
        prog.run()
    with pytest.raises(tir.Error, match="another thread"):
        prog.bind()
    prog.cancel()
    t.join()
    assert len(errors) == 1


def test_threads_share_an_engine():
    eng = tir.Engine(threads=2)
    eng.register("t", {"x": np.arange(100_000), "k": np.arange(100_000) % 7})
    text = """
    $m: i64
    t: Table = registered("t")
    p: Pipeline = { v = table_scan :table = t
                    w = filter :input = v :expr = $in.k == $m
                    a = aggregate :input = w :aggregates = { "s": sum($in.x) } }
    output p.a
    """
    x = np.arange(100_000)
    want = {m: int(x[x % 7 == m].sum()) for m in range(7)}
    failures = []

    def worker(seed):
        prog = eng.compile(text)          # a program per thread
        for i in range(50):
            m = (seed + i) % 7
            got = prog.run(m=m).fetchall()[0][0]
            if got != want[m]:
                failures.append((m, got))

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
