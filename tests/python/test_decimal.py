"""decimal(p, s) in Python: exact decimal.Decimal values, float64 numpy
columns, the box table tirrun prints, parameters bound from Decimal, int
and float (exact, or an error naming what does not fit), object arrays of
Decimal registered as decimal(p, s), and decimal128 both ways through the
Arrow PyCapsule interface."""
import decimal
import subprocess
from decimal import Decimal as D

import numpy as np
import pytest

import tir
from arrow_ctypes import capsule_stream, read_stream, release

CSV = """id,price,qty
1,12.50,3
2,-0.05,
3,,7
4,99999.99,1
5,0.10,2
"""

PROGRAM = """$lo: decimal(8,2)
t: Table = read_csv("{csv}", header = true) {{ id: i32, price: decimal(8,2) nullable, qty: decimal(4,0) nullable }}
p: Pipeline = {{
    v = table_scan :table = t
    w = filter :input = v :expr = $in.price >= $lo
    x = project :input = w :columns = {{ "id": $in.id, "price": $in.price, "total": $in.price * $in.qty }}
    a = aggregate :input = v :aggregates = {{ "s": sum($in.price), "m": min($in.price), "n": count($in.price) }}
}}
output p.x
output p.a
"""


@pytest.fixture
def prog_file(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text(CSV)
    f = tmp_path / "d.tir"
    f.write_text(PROGRAM.format(csv=csv))
    return f


@pytest.fixture
def prog(prog_file):
    return tir.Engine().compile(prog_file.read_text(), file=str(prog_file))


def test_values_are_exact_decimals(prog):
    res = prog.run(lo=D("-1"))
    x, a = res.output("p.x"), res.output("p.a")
    assert x.types == ("i32", "decimal(8,2)?", "decimal(12,2)?")
    assert x.fetchall() == [(1, D("12.50"), D("37.50")), (2, D("-0.05"), None), (4, D("99999.99"), D("99999.99")),
                            (5, D("0.10"), D("0.20"))]
    # the scale shows in the value, as DuckDB gives it: 0.10, not 0.1
    assert str(x.fetchall()[3][1]) == "0.10"
    assert all(type(v) is D for row in x for v in row[1:] if v is not None)
    assert a.types == ("decimal(18,2)?", "decimal(8,2)?", "i64")
    assert a.fetchall() == [(D("100012.54"), D("-0.05"), 4)]
    assert list(a) == a.fetchall()


def test_described_with_precision_and_scale(prog):
    assert prog.params == {"lo": "decimal(8,2)"}
    assert prog.schema["p.x"] == [("id", "i32"), ("price", "decimal(8,2)?"), ("total", "decimal(12,2)?")]
    assert prog.schema["p.a"][0] == ("s", "decimal(18,2)?")


def test_to_numpy_is_float64(prog):
    out = prog.run(lo=D("-1")).output("p.x").to_numpy()
    price = out["price"]
    assert price.dtype == np.float64 and isinstance(price, np.ma.MaskedArray)
    assert price.tolist() == [12.5, -0.05, 99999.99, 0.1]
    assert out["total"].mask.tolist() == [False, True, False, False]
    assert out["total"].data[1] == 0.0   # under a NULL: zero
    # the nearest double to each decimal, as float(Decimal) gives it
    assert out["price"][3] == float(D("0.10"))


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_printed_as_tirrun_prints(prog, prog_file, fmt):
    tirrun = __import__("os").environ["TIRRUN"]
    done = subprocess.run([tirrun, "--format", fmt, "--param", "lo=0", str(prog_file)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    res = prog.run(lo=0)
    assert res.format(fmt) == done.stdout
    if fmt == "table":
        assert repr(res) + "\n" == done.stdout
        assert "decimal(12,2)?" in done.stdout and "99999.99" in done.stdout and " 0.10 │" in done.stdout


def test_bind_decimal_int_and_float(prog):
    ids = lambda **kw: [r[0] for r in prog.run(**kw).output("p.x")]   # noqa: E731
    assert ids(lo=D("12.50")) == [1, 4]
    assert ids(lo=D("12.5000")) == [1, 4]      # trailing zeros are no rounding
    assert ids(lo=D("12.51")) == [4]
    assert ids(lo=12) == [1, 4]
    assert ids(lo=-1) == [1, 2, 4, 5]
    assert ids(lo=np.int64(100000 - 1)) == [4]
    assert ids(lo=0.1) == [1, 4, 5]             # a float rounds half away from zero to the scale
    assert ids(lo=0.104) == [1, 4, 5]           # 0.10
    assert ids(lo=0.106) == [1, 4]              # 0.11
    assert ids(lo=D("-99999.99")) == [1, 2, 4, 5]
    assert ids(lo=D("1E+1")) == [1, 4]          # exponent form: 10
    assert ids(lo=D("0E+100")) == [1, 4, 5]     # zero, however written


@pytest.mark.parametrize("value, message", [
    (D("1.005"), "parameter $lo is decimal(8,2): Decimal('1.005') has 3 digits after the point, the parameter "
                 "holds 2 (round it first"),
    (D("1000000"), "parameter $lo is decimal(8,2): Decimal('1000000') does not fit (6 digits before the point at most)"),
    (D("-1000000.00"), "does not fit (6 digits before the point at most)"),
    (D("1E+30"), "does not fit"),
    (10**30, "parameter $lo is decimal(8,2): 1000000000000000000000000000000 does not fit"),
    (1000000, "1000000 does not fit"),
    (1e300, "1e+300 does not fit"),
    (D("NaN"), "Decimal('NaN') is not a finite number"),
    (D("-Infinity"), "is not a finite number"),
    (float("inf"), "inf is not a finite number"),
])
def test_bind_errors_say_what_does_not_fit(prog, value, message):
    with pytest.raises(tir.ArgumentError) as err:
        prog.bind(lo=value)
    assert message in str(err.value)
    # the binding is left as it was
    prog.bind(lo=D("12.50"))
    with pytest.raises(tir.ArgumentError):
        prog.bind(lo=value)
    assert [r[0] for r in prog.run().output("p.x")] == [1, 4]


@pytest.mark.parametrize("value", ["12.50", True, b"1", None])
def test_bind_wrong_types(prog, value):
    with pytest.raises(tir.ParameterTypeError if value is not None else tir.ArgumentError) as err:
        prog.bind(lo=value)
    if value is None:
        assert "not nullable" in str(err.value)
    else:
        assert "parameter $lo is decimal(8,2): cannot bind a" in str(err.value)
        assert "decimal.Decimal, an int or a float" in str(err.value)


SCAN = 't: Table = registered("t")\np: Pipeline = { v = table_scan :table = t }\noutput p.v'


def test_register_object_array_of_decimals(engine):
    vals = [D("1.5"), None, D("-12.25"), D("0E+3"), D("1E+2"), D("0.001")]
    engine.register("t", {"a": np.array(vals, dtype=object),
                          "b": np.ma.masked_array(np.array([D("7.10")] * 6, dtype=object), mask=[0, 0, 0, 0, 0, 1])})
    res = engine.run(SCAN)
    # scale: the most digits after the point any value has; precision: that and the most before it
    assert res.types == ("decimal(6,3)?", "decimal(3,2)?")
    assert res.fetchall() == [(D("1.500"), D("7.10")), (None, D("7.10")), (D("-12.250"), D("7.10")),
                              (D("0.000"), D("7.10")), (D("100.000"), D("7.10")), (D("0.001"), None)]
    # a declared type must have the data's scale and room for its digits
    ok = engine.run('t: Table = registered("t") { a: decimal(18,3) nullable }\n'
                    'p: Pipeline = { v = table_scan :table = t }\noutput p.v')
    assert ok.types == ("decimal(18,3)?",)
    with pytest.raises(tir.CompileError, match=r"column 'a' is decimal\(6,3\) in registered table \"t\", declared "
                                               r"decimal\(10,2\) \(the scales must agree\)"):
        engine.run('t: Table = registered("t") { a: decimal(10,2) nullable }\n'
                   'p: Pipeline = { v = table_scan :table = t }\noutput p.v')
    with pytest.raises(tir.CompileError, match=r"declared decimal\(5,3\) \(too few digits\)"):
        engine.run('t: Table = registered("t") { a: decimal(5,3) nullable }\n'
                   'p: Pipeline = { v = table_scan :table = t }\noutput p.v')


@pytest.mark.parametrize("values, message", [
    ([D("1"), "x"], "column 'a': row 1 holds a str; a column of decimal.Decimal holds Decimal or None"),
    ([D("NaN")], "column 'a': row 0 is Decimal('NaN'), not a finite number"),
    ([D("1E+20")], "does not fit decimal(18, s)"),
    ([D("123456789012.1234567")], "does not fit decimal(18, s)"),
    ([D("1234567890123456.5"), D("0.125")], "column 'a' needs 16 digits before the point and 3 after it"),
])
def test_register_decimals_that_do_not_fit(engine, values, message):
    with pytest.raises(tir.DataError) as err:
        engine.register("t", {"a": np.array(values, dtype=object)})
    assert message in str(err.value)


def test_many_batches_sum_exactly():
    n = 100_000
    eng = tir.Engine(threads=2, batch_size=1000)
    vals = [D(i - 50_000).scaleb(-2) if i % 9 else None for i in range(n)]
    eng.register("t", {"a": np.array(vals, dtype=object)})
    res = eng.run('t: Table = registered("t")\np: Pipeline = { v = table_scan :table = t\n'
                  '  a = aggregate :input = v :aggregates = { "s": sum($in.a), "n": count($in.a), "m": max($in.a) } }\n'
                  'output p.a')
    assert res.fetchall() == [(sum(v for v in vals if v is not None), sum(v is not None for v in vals),
                               max(v for v in vals if v is not None))]


def test_arrow_decimal128_both_ways(engine):
    vals = [D("12.50"), None, D("-0.05"), D("-99999.99"), D("0.00")]
    engine.register("t", {"a": np.array(vals, dtype=object)})
    capsule = engine.run(SCAN).__arrow_c_stream__()
    stream = capsule_stream(capsule)
    fields, rows, _ = read_stream(stream)
    assert fields == [("a", "d:7,2", True)]
    assert [r[0] for r in rows] == vals
    release(stream)
    # registered in tir again: the same decimal(7, 2)
    engine.register("u", engine.run(SCAN))
    res = engine.run('u: Table = registered("u")\np: Pipeline = { v = table_scan :table = u }\noutput p.v')
    assert res.types == ("decimal(7,2)?",) and res.fetchall() == [(v,) for v in vals]


def test_live_stream_batches_are_float64(engine):
    engine.register("t", {"a": np.array([D(i).scaleb(-1) for i in range(-5000, 5000)], dtype=object)})
    total = 0.0
    rows = 0
    for batch in engine.stream(SCAN):
        assert batch["a"].dtype == np.float64
        total += batch["a"].sum()
        rows += len(batch["a"])
    assert rows == 10_000 and total == pytest.approx(-500.0)


def test_wide_decimals_are_exact(tmp_path):
    """decimal(p, s) of 19 to 38 digits: exact Decimal values (at the limit,
    negative, NULL), float64 in numpy (the double nearest the text), the
    type with its precision, the box table as tirrun prints it."""
    csv = tmp_path / "w.csv"
    csv.write_text("z\n99999999999999999999999999999999.999999\n-0.000001\n\n-12345678901234567890.5\n")
    f = tmp_path / "w.tir"
    f.write_text(f't: Table = read_csv("{csv}") {{ z: decimal(38,6) nullable }}\n'
                 'p: Pipeline = { v = table_scan :table = t }\noutput p.v\n')
    res = tir.Engine().compile(f.read_text(), file=str(f)).run()
    out = res.output("p.v")
    assert out.types == ("decimal(38,6)?",)
    want = [D("99999999999999999999999999999999.999999"), D("-0.000001"), None, D("-12345678901234567890.500000")]
    assert [r[0] for r in out.fetchall()] == want
    assert str(out.fetchall()[3][0]) == "-12345678901234567890.500000"
    z = out.to_numpy()["z"]
    assert z.dtype == np.float64 and z.mask.tolist() == [False, False, True, False]
    assert z.data.tolist() == [float(want[0]), float(want[1]), 0.0, float(want[3])]
    # a live stream's batches as numpy: the whole 16 bytes, not the low half
    prog = tir.Engine().compile(f.read_text(), file=str(f))
    live = np.ma.concatenate([b["z"] for b in prog.stream()])
    assert live.mask.tolist() == [False, False, True, False]
    assert live.compressed().tolist() == z.compressed().tolist()
    tirrun = __import__("os").environ["TIRRUN"]
    done = subprocess.run([tirrun, str(f)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert res.format("table") == done.stdout


def test_wide_decimal_parameter(tmp_path):
    """A decimal(38,6) parameter binds a Decimal of all 38 digits exactly, an
    int, a float (rounded), and None; more digits after the point than its
    scale, or before it than it holds, are ArgumentError naming it."""
    csv = tmp_path / "w.csv"
    csv.write_text("z\n99999999999999999999999999999999.999999\n-0.000001\n\n-12345678901234567890.5\n")
    f = tmp_path / "w.tir"
    f.write_text(f'$lo: decimal(38,6) nullable\nt: Table = read_csv("{csv}") {{ z: decimal(38,6) nullable }}\n'
                 'p: Pipeline = { v = table_scan :table = t\n f = filter :input = v :expr = $in.z >= $lo }\n'
                 'output p.f\n')
    prog = tir.Engine().compile(f.read_text(), file=str(f))
    assert prog.params == {"lo": "decimal(38,6)?"}

    def rows(lo):
        return [r[0] for r in prog.run(lo=lo).output("p.f").fetchall()]

    assert rows(D("99999999999999999999999999999999.999999")) == [D("99999999999999999999999999999999.999999")]
    assert rows(D("-0.000001")) == [D("99999999999999999999999999999999.999999"), D("-0.000001")]
    assert len(rows(-12345678901234567891)) == 3
    assert len(rows(0.5)) == 1
    assert rows(None) == []
    with pytest.raises(tir.ArgumentError) as err:
        rows(D("1.0000001"))
    assert "parameter $lo is decimal(38,6): Decimal('1.0000001') has 7 digits after the point" in str(err.value)
    with pytest.raises(tir.ArgumentError) as err:
        rows(D("1e32"))
    assert "does not fit (32 digits before the point at most)" in str(err.value)
