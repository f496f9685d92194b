"""A Result prints what tirrun prints for the same program: the box table,
CSV and JSON, several outputs, and the same compile errors."""
import subprocess

import pytest

import tir

CSV = """id,name,score,day,ok
1,ann,1.5,2024-01-01,true
2,,2.25,,false
3,cid and a long name,,2023-12-31,
4,"quote "" and, comma",-0.1,1969-07-20,true
"""


def program(csv):
    return f"""
t: Table = read_csv("{csv}", header = true) {{
    id: i32, name: string nullable, score: f64 nullable, day: date nullable, ok: bool nullable
}}
p: Pipeline = {{
    v = table_scan :table = t
    w = filter :input = v :expr = $in.id != 0
    a = aggregate :input = v :aggregates = {{ "n": count(*), "total": sum($in.score), "first": min($in.day) }}
}}
output p.w as "rows"
output p.a
"""


@pytest.fixture
def files(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text(CSV)
    tirfile = tmp_path / "q.tir"
    tirfile.write_text(program(csv))
    return tirfile


def tirrun_out(tirrun, *args):
    out = subprocess.run([str(tirrun), *map(str, args)], capture_output=True, text=True, timeout=60)
    return out.returncode, out.stdout, out.stderr


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_same_output_as_tirrun(tirrun, files, fmt):
    rc, expected, _ = tirrun_out(tirrun, "--format", fmt, files)
    assert rc == 0
    res = tir.Engine().compile(files.read_text(), file=str(files)).run()
    assert res.format(fmt) == expected
    if fmt == "table":
        assert repr(res) + "\n" == expected
        assert str(res) == repr(res)
        assert "│   4 │ quote \" and, comma  │" in expected


def test_one_output_prints_alone(tirrun, files):
    res = tir.Engine().compile(files.read_text(), file=str(files)).run()
    _, both, _ = tirrun_out(tirrun, files)
    rows, agg = both.split("\n\n")
    assert repr(res.output("rows")) + "\n" == rows + "\n"
    assert repr(res.output("p.a")) + "\n" == agg


def test_same_compile_error_as_tirrun(tirrun, tmp_path):
    bad = tmp_path / "bad.tir"
    bad.write_text('t: Table = registered("x")\np: Pipeline = {\n    v = table_scan :table = t :columns = ["a"\n}\noutput p.v\n')
    rc, _, err = tirrun_out(tirrun, bad)
    assert rc == 2
    with pytest.raises(tir.CompileError) as e:
        tir.Engine().compile(bad.read_text(), file=str(bad))
    assert str(e.value) + "\n" == err
