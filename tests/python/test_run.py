"""tir.run, Engine.run, Program: answers against hand-computed ones,
parameters of every type, several outputs, the shapes a result is read in."""
import datetime

import numpy as np
import pytest

import tir

ORDERS = {
    "id": np.array([1, 2, 3, 4, 5, 6], dtype=np.int64),
    "customer": np.array(["ann", "bob", "ann", "cid", "bob", "ann"]),
    "amount": np.array([10.5, 20.0, 4.5, 7.25, 1.0, 3.0]),
    "day": np.array(["2024-01-01", "2024-01-05", "2024-02-01", "2024-02-10", "2024-03-01", "2024-03-02"],
                    dtype="datetime64[D]"),
}

BY_CUSTOMER = """
$since: date
orders: Table = registered("orders")
p: Pipeline = {
    v1 = table_scan :table = orders
    v2 = filter :input = v1 :expr = $in.day >= $since
    g = hash_group_by :input = v2 :group_by = ["customer"]
        :aggregates = { "n": count(*), "total": sum($in.amount) }
}
q: Pipeline = {
    v = table_scan :table = p.g
    s = sort :input = v :by = [$in.customer]
}
output q.s
"""


@pytest.fixture
def orders(engine):
    engine.register("orders", ORDERS)
    return engine


def test_group_by_answer(orders):
    res = orders.run(BY_CUSTOMER, {"since": datetime.date(2024, 1, 2)})
    # rows from 2024-01-05 on: bob 20.0 + 1.0, ann 4.5 + 3.0, cid 7.25
    assert res.fetchall() == [("ann", 2, 7.5), ("bob", 2, 21.0), ("cid", 1, 7.25)]
    assert res.columns == ("customer", "n", "total")
    assert res.num_rows == 3 and len(res) == 3
    assert list(res) == res.fetchall()
    cols = res.to_numpy()
    assert cols["n"].dtype == np.int64 and cols["n"].tolist() == [2, 2, 1]
    assert cols["customer"].dtype == object


def test_program_rebinds(orders):
    prog = orders.compile(BY_CUSTOMER)
    assert prog.params == {"since": "date"}
    assert prog.outputs == ("q.s",)
    assert prog.schema == {"q.s": [("customer", "string"), ("n", "i64"), ("total", "f64")]}
    assert prog.run(since=datetime.date(2024, 3, 1)).fetchall() == [("ann", 1, 3.0), ("bob", 1, 1.0)]
    assert prog.bind(since=datetime.date(2025, 1, 1)) is prog
    assert prog.run().num_rows == 0
    assert [r[0] for r in prog.run({"since": datetime.date(2000, 1, 1)})] == ["ann", "bob", "cid"]


def test_module_run_with_tables():
    text = """
    t: Table = registered("py_module_t")
    p: Pipeline = { v = table_scan :table = t
                    a = aggregate :input = v :aggregates = { "s": sum($in.x), "n": count(*) } }
    output p.a
    """
    res = tir.run(text, tables={"py_module_t": {"x": np.arange(1, 101, dtype=np.int32)}})
    assert res.fetchall() == [(5050, 100)]
    assert tir.default_engine() is tir.default_engine()


PARAMS = """
$b: bool
$i: i32
$l: i64
$f: f64
$s: string
$d: date
$n: i64 nullable
t: Table = registered("one")
p: Pipeline = {
    v = table_scan :table = t
    w = project :input = v :columns = { "b": $b, "i": $i, "l": $l, "f": $f, "s": $s, "d": $d, "n": $n, "x": $in.x }
}
output p.w
"""


def test_params_of_every_type(engine):
    engine.register("one", {"x": np.array([1], dtype=np.int32)})
    prog = engine.compile(PARAMS)
    assert prog.params == {"b": "bool", "i": "i32", "l": "i64", "f": "f64", "s": "string", "d": "date", "n": "i64?"}
    day = datetime.date(1969, 12, 31)
    row = prog.run(b=True, i=-7, l=2**40, f=2.5, s="héllo", d=day, n=None).fetchall()
    assert row == [(True, -7, 2**40, 2.5, "héllo", day, None, 1)]
    # an int binds an f64 parameter; numpy scalars bind too; bytes bind a string
    row = prog.run(f=3, i=np.int32(4), l=np.int64(5), s=b"raw", n=9, b=np.bool_(False)).fetchall()
    assert row == [(False, 4, 5, 3.0, "raw", day, 9, 1)]


def test_several_outputs(engine):
    engine.register("nums", {"x": np.arange(10, dtype=np.int64)})
    res = engine.run("""
    t: Table = registered("nums")
    p: Pipeline = { v = table_scan :table = t
                    small = filter :input = v :expr = $in.x < 3
                    a = aggregate :input = v :aggregates = { "s": sum($in.x) } }
    output p.small as "small"
    output p.a as "total"
    """)
    assert res.outputs == ("small", "total")
    assert res.output("small").fetchall() == [(0,), (1,), (2,)]
    assert res.output(1).fetchall() == [(45,)]
    assert res.output(-1).name == "total"
    with pytest.raises(tir.Error, match="2 outputs"):
        res.to_numpy()
    with pytest.raises(KeyError):
        res.output("nope")
    text = str(res)
    assert text.startswith("small\n") and "\ntotal\n" in text


def test_formats(engine):
    engine.register("t", {"a": np.array([1, 2], dtype=np.int64), "s": np.array(["x,y", "z"])})
    res = engine.run('t: Table = registered("t")\np: Pipeline = { v = table_scan :table = t }\noutput p.v')
    assert res.format("csv") == 'a,s\n1,"x,y"\n2,z\n'
    assert '"rows": [\n    [1, "x,y"],\n    [2, "z"]\n  ]' in res.format("json")
    assert res.format("markdown").startswith("p.v\n\n| a | s |\n| ---: | --- |\n| 1 | x,y |")
    with pytest.raises(ValueError):
        res.format("xml")


def test_repr_cuts_long_results(engine):
    engine.register("t", {"a": np.arange(1000, dtype=np.int64)})
    res = engine.run('t: Table = registered("t")\np: Pipeline = { v = table_scan :table = t }\noutput p.v')
    text = repr(res)
    assert text.endswith("1000 rows (40 shown)")
    assert "│ 999 │" in text and "│ 500 │" not in text
    assert res.format(max_rows=0).count("\n") == 1000 + 7


def test_column_access_and_iteration(engine):
    engine.register("t", {"a": np.arange(5000, dtype=np.int64)})
    eng_res = engine.run('t: Table = registered("t")\np: Pipeline = { v = table_scan :table = t }\noutput p.v')
    assert eng_res["a"].sum() == sum(range(5000))
    with pytest.raises(KeyError):
        eng_res["b"]
    assert sum(r[0] for r in eng_res) == sum(range(5000))


def test_explain_and_profile():
    eng = tir.Engine(threads=1, profile=True)
    eng.register("t", {"a": np.arange(10, dtype=np.int64)})
    prog = eng.compile('t: Table = registered("t")\np: Pipeline = { v = table_scan :table = t }\noutput p.v')
    assert "table_scan" in prog.explain()
    res = prog.run()
    assert "p" in res.profile and res.peak_bytes > 0


def test_engine_options():
    eng = tir.Engine(threads=1, batch_size=100, memory_limit="64M", fixed_order=True, no_pruning=True,
                     read_only=True, allowed_dirs=[], max_errors=3)
    eng.register("t", {"a": np.arange(250, dtype=np.int64)})
    assert eng.run('t: Table = registered("t")\np: Pipeline = { v = table_scan :table = t }\noutput p.v').num_rows == 250
    with pytest.raises(ValueError):
        tir.Engine(memory_limit="lots")
    with pytest.raises(TypeError):
        tir.Engine(bogus=1)
    with pytest.raises(tir.CompileError, match="may not use files"):
        eng.run('t: Table = read_csv("/etc/passwd")\np: Pipeline = { v = table_scan :table = t }\noutput p.v')
    with pytest.raises(tir.FileError, match="no-such"):
        tir.Engine().run('t: Table = read_csv("/nonexistent/no-such.csv") { a: i64 }\n'
                         'p: Pipeline = { v = table_scan :table = t }\noutput p.v')


def test_file_anchors_includes_and_data(tmp_path):
    (tmp_path / "d.csv").write_text("a,b\n1,x\n2,y\n")
    (tmp_path / "tables.tir").write_text('t: Table = read_csv("d.csv", header = true) { a: i64, b: string }\n')
    prog = tir.Engine().compile('include "tables.tir"\np: Pipeline = { v = table_scan :table = t }\noutput p.v',
                                file=str(tmp_path / "q.tir"))
    assert prog.run().fetchall() == [(1, "x"), (2, "y")]
    with pytest.raises(tir.CompileError, match=r"q\.tir:1:9: error: cannot include .*nope\.tir"):
        tir.Engine().compile('include "nope.tir"\noutput p.v', file=str(tmp_path / "q.tir"))


def test_timestamps_in_out_and_as_parameters(engine):
    """datetime64[us] registers as timestamp (NaT as NULL), a naive datetime
    binds a timestamp parameter, and results come back as datetime64[us]
    arrays and datetime.datetime rows; an aware datetime is refused."""
    engine.register("ev", {
        "id": np.array([1, 2, 3, 4], dtype=np.int64),
        "at": np.array(["2024-01-31T10:00:00.5", "NaT", "1969-12-31T23:59:59.999999", "2024-02-29T00:00"],
                       dtype="datetime64[us]"),
    })
    prog = engine.compile("""
$since: timestamp
ev: Table = registered("ev")
p: Pipeline = {
    s = table_scan :table = ev
    f = filter :input = s :expr = $in.at >= $since
    v = project :input = f :columns = { "id": $in.id, "next": $in.at + interval "1 month", "h": hour($in.at) }
    o = sort :input = v :by = [$in.id]
}
output p.o
""")
    prog.bind(since=datetime.datetime(1969, 12, 31, 23, 59, 59, 999999))
    res = prog.run()
    cols = res.to_numpy()
    assert cols["next"].dtype == np.dtype("datetime64[us]")
    assert list(cols["next"]) == [np.datetime64("2024-02-29T10:00:00.5"), np.datetime64("1970-01-31T23:59:59.999999"),
                                  np.datetime64("2024-03-29T00:00")]
    assert res.fetchall()[1] == (3, datetime.datetime(1970, 1, 31, 23, 59, 59, 999999), 23)
    with pytest.raises(tir.ParameterTypeError, match="no time zone"):
        prog.bind(since=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))


def test_intervals_as_timedelta(engine):
    """Intervals come out as datetime.timedelta and timedelta64[us], a month
    as 30 days (as DuckDB's Python client converts them), NULL as None / a
    masked NaT, also from a live stream; a timedelta binds an interval."""
    engine.register("ks", {"k": np.array([1, 2, 3, 4], dtype=np.int64)})
    prog = engine.compile("""
$step: interval
ks: Table = registered("ks")
p: Pipeline = {
    s = table_scan :table = ks
    v = project :input = s :columns = {
        "k": $in.k,
        "iv": case when $in.k == 1 then interval "1 month 2 days 03:04:05.000006"
                   when $in.k == 2 then interval "-1 day" + $step
                   when $in.k == 3 then $step * -1
                   else null end
    }
}
output p.v
""")
    prog.bind(step=datetime.timedelta(hours=25, microseconds=7))
    res = prog.run()
    want = [datetime.timedelta(days=32, seconds=3 * 3600 + 4 * 60 + 5, microseconds=6),
            datetime.timedelta(hours=1, microseconds=7),
            -datetime.timedelta(hours=25, microseconds=7),
            None]
    assert [row[1] for row in res.fetchall()] == want
    col = res.to_numpy()["iv"]
    assert col.dtype == np.dtype("timedelta64[us]")
    assert list(col.mask) == [False, False, False, True]
    assert [x for x in col.compressed()] == [np.timedelta64(w, "us") for w in want[:3]]
    batches = list(prog.stream())
    live = np.ma.concatenate([b["iv"] for b in batches])
    assert list(live.mask) == [False, False, False, True]
    assert list(live.compressed()) == list(col.compressed())
    with pytest.raises(tir.ParameterTypeError, match="timedelta"):
        prog.bind(step="1 day")


# The same filter as a planner written in Python would emit it: the JSON form
# of the IR (docs/EMBEDDING.md, "Plans as JSON") as a dict.
def json_plan(column="amount"):
    return {
        "params": [{"name": "lo", "type": "f64"}],
        "tables": [{"name": "orders", "source": "registered", "args": [{"value": "orders"}]}],
        "pipelines": [{"name": "p", "statements": [
            {"target": "v", "op": "table_scan", "args": {"table": {"ref": "orders"}, "columns": ["id", column]}},
            {"target": "f", "op": "filter", "args": {
                "input": {"ref": "v"},
                "expr": {"op": ">=", "args": [{"col": column, "of": "in"}, {"param": "lo"}]}}},
        ]}],
        "outputs": [{"ref": "p.f"}],
    }


def test_plan_as_json_dict(orders):
    text = orders.run('$lo: f64\norders: Table = registered("orders")\n'
                      'p: Pipeline = {\n    v = table_scan :table = orders :columns = ["id", "amount"]\n'
                      '    f = filter :input = v :expr = $in.amount >= $lo\n}\noutput p.f', {"lo": 7.0})
    res = orders.run(json_plan(), {"lo": 7.0})
    assert res.fetchall() == text.fetchall() == [(1, 10.5), (2, 20.0), (4, 7.25)]
    prog = orders.compile(json_plan())
    assert prog.params == {"lo": "f64"}
    assert prog.run(lo=20.0).fetchall() == [(2, 20.0)]


def test_plan_as_json_text(orders):
    import json
    prog = orders.compile(json.dumps(json_plan()), file="plan.json")
    assert prog.run(lo=10.0).fetchall() == [(1, 10.5), (2, 20.0)]


def test_plan_as_json_error_names_its_node(orders):
    import json
    with pytest.raises(tir.CompileError) as e:
        orders.compile(json_plan("amonut"), file="plan.json")
    assert "\n  at $.pipelines[0].statements[0]" in str(e.value)
    assert "amonut" in str(e.value)
    # the place in the JSON the dict was written as (one line): the column's name
    file, line, col, severity, message, path = e.value.diagnostics[0]
    assert (file, severity) == ("plan.json", "error")
    assert path.startswith("$.pipelines[0].statements[0]")
    text = json.dumps(json_plan("amonut"))
    assert line == 1 and text[col - 1:].startswith('"amonut"'), (col, text)
    assert str(e.value).startswith(f"plan.json:1:{col}: error: ")


def test_plan_of_another_type_is_refused(orders):
    with pytest.raises(TypeError, match="a plan is a str"):
        orders.compile(["p"])
