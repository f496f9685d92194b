#!/usr/bin/env python3
"""fuzzprog.py — random tir programs checked against sqlite3.

    fuzzprog.py --tirrun PATH --count N --seed S [--seed S2 | --seed random ...]
                [--out DIR] [--time-budget SECONDS] [--shrink-time SECONDS]

For each program (deterministic from its seed and index) it generates random
tables (NULLs, duplicates, dangling join keys, extreme integers, -0.0, empty
and long shared-prefix strings, dates before 1970, UTF-8), writes them as CSV
and imports them as native tables (tirrun import, --sort-by, --bloom, small
--block-rows), generates a well-typed .tir program and the SQL that computes
the same, and runs the program on the CSV tables and on the native tables, at
1 and 2 threads, native also with --no-prune, with varying --batch-size. Every
output is compared with sqlite3 (Python's sqlite3 module): as a multiset, or
in order where a sort or a known order defines it (tie groups as multisets),
or, after a limit on unordered rows, by count and inclusion. A mismatch, an
error or a crash is shrunk to a small reproducer written under --out.

Prints TAP, one test per program, and ends with "N passed, N failed".
See README.md in this directory.
"""

import argparse
import copy
import datetime
import json
import math
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter

I32, I64, F64, STR, DATE, BOOL = 'i32', 'i64', 'f64', 'string', 'date', 'bool'
NUMERIC = (I32, I64, F64)
INTS = (I32, I64)
LIMIT = {I32: 2**31 - 1, I64: 2**63 - 1, F64: float('inf')}
RANK = {I32: 0, I64: 1, F64: 2}
ROWBOUND = 10**7          # no relation of a generated program gets near this many rows
INF = float('inf')
SQLTYPE = {I32: 'INTEGER', I64: 'INTEGER', F64: 'REAL', STR: 'TEXT', DATE: 'TEXT', BOOL: 'INTEGER'}


class Invalid(Exception):
    """The program is not one we can check (ill-typed, may overflow, nondeterministic...)."""


def fits32(v):
    return -2**31 <= v <= 2**31 - 1


def tir_str(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n').replace('\t', '\\t') + '"'


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def qi(name):
    return '"' + name + '"'


def tir_float(v):
    r = repr(float(v))
    if 'e' in r:
        m, e = r.split('e')
        if '.' not in m:
            m += '.0'
        r = m + 'e' + e
    if '.' not in r:
        raise Invalid('float literal ' + r)
    return r


def valid_date(s):
    try:
        datetime.date.fromisoformat(s)
        return len(s) == 10
    except ValueError:
        return False


# ------------------------------------------------------------------ tables

class TCol:
    def __init__(self, name, type, dom, nullable, unique=False):
        self.name, self.type, self.dom, self.nullable, self.unique = name, type, dom, nullable, unique
        self.bound = 0
        self.samples = []


class Table:
    def __init__(self, name):
        self.name = name
        self.cols = []
        self.rows = []          # lists of python values, in file order
        self.sort = None        # (colname, desc): CSV written in this order, declared asc/desc, imported --sort-by
        self.bloom = []         # native bloom columns
        self.block_rows = 32768
        self.native_block = True  # read_table with its columns declared

    def col(self, name):
        for c in self.cols:
            if c.name == name:
                return c
        return None

    def decl(self, native=False):
        parts = []
        for c in self.cols:
            a = [c.name + ':', c.type]
            if c.nullable:
                a.append('nullable')
            if c.unique:
                a.append('unique')
            if self.sort and self.sort[0] == c.name:
                a.append('desc' if self.sort[1] else 'asc')
            parts.append(' '.join(a))
        return ', '.join(parts)


KEY_STRS = ['', 'a', 'b', 'B', 'ab', 'Ab', 'k1', 'k2', 'k10', 'k3', 'a_shared_prefix_1',
            'a_shared_prefix_1_and_more', 'a_shared_prefix_12', 'a_shared_prefix_2',
            'a_shared_prefix_', 'x%y', 'x_y', '\u00e9', '\u00e9a', '\u65e5\u672c', ' a', 'a ',
            'q"q', 'c,d', "it's", 'a_shared_prefix_1\nnl']
KEY_DATES = ['1969-12-31', '1970-01-01', '1899-12-31', '2000-02-29', '1970-01-02', '0001-01-01',
             '9999-12-31', '1968-06-15', '2024-01-01', '1995-03-15', '1900-03-01', '1969-01-01']
TEXT_ALPHA = 'abcxyz_% ,"\u00e9\u65e5AZ09'
PREFIXES = ['a_shared_prefix_', 'a_shared_prefix_and', 'zzzzzzzzzzzzzzzz', '', 'a_shared_prefix_' * 4]
D0 = datetime.date(1970, 1, 1)


def date_str(ordinal):
    d = datetime.date.fromordinal(ordinal)
    return '%04d-%02d-%02d' % (d.year, d.month, d.day)


def gen_values(rng, type, dom, n):
    """n non-NULL values of a column domain, and its static bound."""
    R = rng.random

    def ri(lo, hi):             # randint, faster
        return lo + int(R() * (hi - lo + 1))

    def ch(pool):
        return pool[int(R() * len(pool))]
    if dom == 'id':
        vals = rng.sample(range(-n, 3 * n + 10), n)
        return vals, 3 * n + 10
    if type in INTS:
        if dom == 'key':
            return [ri(-3, 30) for _ in range(n)], 30
        if dom == 'small':
            return [ch((0, 1, -1)) if R() < 0.5 else ri(-1000, 1000) for _ in range(n)], 1000
        if dom == 'wide':
            b = 10**6 if type == I32 else 10**11
            return [ri(-b, b) for _ in range(n)], b
        if dom == 'extreme':
            lo, hi = (-2**31, 2**31 - 1) if type == I32 else (-2**63, 2**63 - 1)
            special = [lo, hi, lo + 1, hi - 1, 0, 1, -1]
            return [ch(special) if R() < 0.4 else rng.randint(lo, hi) for _ in range(n)], -lo
    if type == F64:
        if dom == 'key':
            return [ch((-0.0, 0.0)) if R() < 0.2 else ri(-4, 30) / 2 for _ in range(n)], 15
        if dom == 'dec':
            return [round(R() * 20000 - 10000, ch((0, 1, 2))) for _ in range(n)], 10000
        specials = [0.0, -0.0, 0.125, -0.125, 100000.0, -100000.0, 1.0]
        return [ch(specials) if R() < 0.1 else ri(-800000, 800000) / 8 for _ in range(n)], 100000
    if type == STR:
        if dom == 'key':
            pool = rng.sample(KEY_STRS, rng.randint(4, len(KEY_STRS)))
            return [ch(pool) for _ in range(n)], 0
        out = []
        for _ in range(n):
            p = ch(PREFIXES)
            tail = ''.join(ch(TEXT_ALPHA) for _ in range(ch((0, 1, 3, 8, 20, 70))))
            out.append(p + tail)
        return out, 0
    if type == DATE:
        if dom == 'key':
            pool = KEY_DATES + [date_str(D0.toordinal() + rng.randint(-40, 40)) for _ in range(15)]
            return [ch(pool) for _ in range(n)], 0
        out = []
        o1900, o9999 = datetime.date(1900, 1, 1).toordinal(), datetime.date(9999, 12, 31).toordinal()
        for _ in range(n):
            r = R()
            if r < 0.7:
                o = o1900 + ri(0, 130 * 365)
            elif r < 0.8:
                o = ch((1, o9999))
            else:
                o = ri(1, o9999)
            out.append(date_str(o))
        return out, 0
    if type == BOOL:
        return [R() < 0.5 for _ in range(n)], 1
    raise AssertionError((type, dom))


DOMAINS = {
    I32: [('key', 6), ('small', 3), ('wide', 1), ('extreme', 1)],
    I64: [('key', 3), ('small', 2), ('wide', 2), ('extreme', 1)],
    F64: [('key', 2), ('val', 4), ('dec', 1)],
    STR: [('key', 4), ('text', 2)],
    DATE: [('key', 2), ('any', 2)],
    BOOL: [('flag', 1)],
}


def wchoice(rng, pairs):
    tot = sum(w for _, w in pairs)
    r = rng.random() * tot
    for v, w in pairs:
        r -= w
        if r < 0:
            return v
    return pairs[-1][0]


def gen_table(rng, name, nrows):
    t = Table(name)
    letter = name[1]
    ncols = rng.randint(3, 7)
    types = [wchoice(rng, [(I32, 4), (I64, 2), (F64, 2), (STR, 3), (DATE, 1.5), (BOOL, 1)]) for _ in range(ncols)]
    # a join/group key in every table
    types[0] = wchoice(rng, [(I32, 6), (I64, 2), (STR, 2), (DATE, 1), (F64, 0.7)])
    has_id = rng.random() < 0.4
    for j, ty in enumerate(types):
        dom = 'key' if j == 0 else wchoice(rng, DOMAINS[ty])
        nullable = rng.random() < 0.65
        c = TCol('%s%d' % (letter, j), ty, dom, nullable)
        t.cols.append(c)
    if has_id:
        c = TCol('%sid' % letter, rng.choice((I32, I64)), 'id', False, unique=True)
        t.cols.insert(rng.randint(0, len(t.cols)), c)
    columns = []
    for c in t.cols:
        vals, c.bound = gen_values(rng, c.type, c.dom, nrows)
        if c.nullable:
            frac = wchoice(rng, [(0.0, 5), (0.05, 5), (0.2, 4), (0.5, 3), (0.95, 1.5), (1.0, 0.7)])
            R = rng.random
            vals = [None if R() < frac else v for v in vals]
        columns.append(vals)
    t.rows = [list(r) for r in zip(*columns)] if nrows else []
    # sorted tables: CSV in that order, declared asc/desc (no NULLs allowed there)
    cand = [c for c in t.cols if c.type != BOOL and c.dom != 'extreme']
    if cand and rng.random() < 0.45:
        c = rng.choice(cand)
        c.nullable = False
        j = t.cols.index(c)
        for r in t.rows:
            if r[j] is None:
                r[j] = gen_values(rng, c.type, c.dom, 1)[0][0]
        desc = rng.random() < 0.25
        t.rows.sort(key=lambda r: r[j], reverse=desc)
        t.sort = (c.name, desc)
    for j, c in enumerate(t.cols):
        distinct = list({r[j] for r in t.rows if r[j] is not None})
        distinct.sort(key=lambda v: (str(type(v)), v))
        c.samples = rng.sample(distinct, min(8, len(distinct)))
    t.bloom = [c.name for c in t.cols if rng.random() < 0.3]
    t.block_rows = rng.choice((64, 64, 128, 192, 512, 1024, 32768))
    t.native_block = rng.random() < 0.8
    return t


def csv_field(v, ty):
    if v is None:
        return ''
    if ty == BOOL:
        return 'true' if v else 'false'
    if ty == F64:
        return repr(float(v))
    if ty in INTS:
        return str(v)
    if ty == DATE:
        return v
    if v == '' or any(ch in v for ch in ',"\n\r'):
        return '"' + v.replace('"', '""') + '"'
    return v


def write_csv(t, path):
    with open(path, 'w', encoding='utf-8', newline='') as f:
        f.write(','.join(c.name for c in t.cols) + '\n')
        for r in t.rows:
            f.write(','.join(csv_field(v, c.type) for v, c in zip(r, t.cols)) + '\n')


def sql_value(v, ty):
    if v is None:
        return None
    if ty == BOOL:
        return 1 if v else 0
    return v


# ------------------------------------------------------------- expressions

class N:
    """An expression node: op, children, and an op-specific value."""
    __slots__ = ('op', 'k', 'val', 'alt')

    def __init__(self, op, k=(), val=None, alt=False):
        self.op, self.k, self.val, self.alt = op, list(k), val, alt

    def __repr__(self):
        return 'N(%r,%r,%r)' % (self.op, self.k, self.val)


def col(name):
    return N('col', val=name)


def lit(kind, v):
    return N('lit', val=(kind, v))


def lit_of(ty, v):
    if v is None:
        return lit('null', None)
    return lit({I32: 'int', I64: 'int', F64: 'float', STR: 'str', DATE: 'date', BOOL: 'bool'}[ty], v)


class CI:
    """What is known about a column (or a tuple field)."""
    __slots__ = ('type', 'nullable', 'bound', 'unique', 'samples', 'inexact')

    def __init__(self, type, nullable, bound=0, unique=False, samples=None, inexact=False):
        self.type, self.nullable, self.bound, self.unique = type, nullable, bound, unique
        self.samples = samples or []
        self.inexact = inexact      # depends on the order of f64 additions (sum, avg)

    def copy(self, **kw):
        c = CI(self.type, self.nullable, self.bound, self.unique, self.samples, self.inexact)
        for k, v in kw.items():
            setattr(c, k, v)
        return c


class X:
    __slots__ = ('t', 'n', 'b', 'lit', 'v', 'tir', 'sql')

    def __init__(self, t, n, b, tir, sql, lit=None, v=None):
        self.t, self.n, self.b, self.tir, self.sql, self.lit, self.v = t, n, b, tir, sql, lit, v


CMP_OPS = ('==', '!=', '<', '<=', '>', '>=')
ARITH_OPS = ('+', '-', '*', '/', '%')
SQL_OP = {'==': '=', '!=': '<>', '&&': 'AND', '||': 'OR'}


def lit_type(kind, v):
    if kind == 'int':
        return I32 if fits32(v) else I64
    return {'float': F64, 'str': STR, 'date': DATE, 'bool': BOOL, 'null': None}[kind]


def ax_lit(val):
    kind, v = val
    t = lit_type(kind, v)
    if kind == 'int':
        if not -2**63 < v <= 2**63 - 1:     # tir writes no literal below -(2^63 - 1)
            raise Invalid('int literal range')
        return X(t, False, abs(v), str(v), str(v), 'int', v)
    if kind == 'float':
        return X(F64, False, abs(v), tir_float(v), repr(float(v)), 'float', v)
    if kind == 'str':
        return X(STR, False, 0, tir_str(v), sql_str(v), 'str', v)
    if kind == 'date':
        return X(DATE, False, 0, 'date ' + tir_str(v), sql_str(v), 'date', v)
    if kind == 'bool':
        return X(BOOL, False, 1, 'true' if v else 'false', '1' if v else '0', 'bool', v)
    return X(None, True, 0, 'null', 'NULL', 'null', None)


def adapt(x, T):
    """The type an operand gets next to an operand of type T (literals convert in place)."""
    if x.t is None:
        return T
    if x.lit == 'int' and T is not None and T in NUMERIC:
        if T == F64:
            return F64
        if T == I64:
            return I64
        return I32 if fits32(x.v) else I64
    return x.t


def conv(x, T):
    """SQL text of x converted to tir's promoted type T."""
    if x.t is None:
        return 'NULL'
    if T == F64 and x.t in INTS:
        return 'CAST(%s AS REAL)' % x.sql
    return x.sql


def num_result(l, r):
    for x in (l, r):
        if x.t is not None and x.t not in NUMERIC:
            raise Invalid('arithmetic on non-numbers')
    if l.t is None and r.t is None:
        return I64
    if l.t is None:
        return r.t
    if r.t is None:
        return l.t
    lt, rt = l.t, r.t
    if l.lit == 'int' and r.lit != 'int':
        lt = adapt(l, r.t)
    if r.lit == 'int' and l.lit != 'int':
        rt = adapt(r, l.t)
    return lt if RANK[lt] >= RANK[rt] else rt


def cmp_common(l, r):
    """The common type of two compared operands (None if they cannot be compared)."""
    if l.t is None:
        return r.t or I64
    if r.t is None:
        return l.t
    if l.t in NUMERIC and r.t in NUMERIC:
        return num_result(l, r)
    if l.t == r.t:
        return l.t
    if {l.t, r.t} == {DATE, STR}:
        s = l if l.t == STR else r
        if s.lit == 'str' and valid_date(s.v):
            return DATE
    raise Invalid('cannot compare %s with %s' % (l.t, r.t))


def inexact(e, cols, an):
    """Whether e reads a value that depends on the order of f64 additions."""
    if e.op == 'col':
        ci = cols.get(e.val)
        return bool(ci and ci.inexact)
    if e.op == 'tref':
        v = an.vals.get('%s.%s' % e.val[:2])
        ci = v.fields.get(e.val[2]) if v is not None and v.kind == 'tuple' else None
        return bool(ci and ci.inexact)
    return any(inexact(k, cols, an) for k in e.k)


def check_bound(t, b):
    if t in INTS and b > LIMIT[t]:
        raise Invalid('may overflow')


class Ctx:
    """Where an expression is evaluated: the input columns and the tuples of earlier pipelines."""

    def __init__(self, an, cols, inname=None):
        self.an, self.cols, self.inname = an, cols, inname


def ax(e, ctx):
    op = e.op
    if op == 'col':
        ci = ctx.cols.get(e.val)
        if ci is None:
            raise Invalid('no column ' + e.val)
        t = ('%s.%s' % (ctx.inname, e.val)) if (e.alt and ctx.inname) else '$in.' + e.val
        return X(ci.type, ci.nullable, ci.bound, t, qi(e.val))
    if op == 'lit':
        return ax_lit(e.val)
    if op == 'tref':
        p, t, f = e.val
        tup = ctx.an.value(p + '.' + t, 'tuple')
        ci = tup.fields.get(f)
        if ci is None:
            raise Invalid('no field')
        ctx.an.feat('tuple ref in expression')
        return X(ci.type, ci.nullable, ci.bound, '%s.%s.%s' % (p, t, f),
                 '(SELECT %s FROM %s)' % (qi(f), qi(tup.cte)))
    if op == 'bin':
        o = e.val
        l, r = ax(e.k[0], ctx), ax(e.k[1], ctx)
        if o in ('&&', '||'):
            for x in (l, r):
                if x.t not in (BOOL, None):
                    raise Invalid('logic on non-bool')
            ctx.an.feat('and/or')
            return X(BOOL, l.n or r.n, 1, '(%s %s %s)' % (l.tir, o, r.tir), '(%s %s %s)' % (l.sql, SQL_OP[o], r.sql))
        if o in CMP_OPS:
            T = cmp_common(l, r)
            ctx.an.feat('compare ' + (T or 'null'))
            return X(BOOL, l.n or r.n, 1, '(%s %s %s)' % (l.tir, o, r.tir),
                     '(%s %s %s)' % (conv(l, T), SQL_OP.get(o, o), conv(r, T)))
        T = num_result(l, r)
        ctx.an.feat('arith ' + o + ' ' + T)
        if o in '+-':
            b = l.b + r.b
        elif o == '*':
            b = l.b * r.b
        elif o == '/':
            if T == F64:
                b = (l.b / abs(r.v)) if r.lit in ('int', 'float') and r.v else (0 if r.lit else INF)
            else:
                b = l.b
        else:
            if T == F64:
                raise Invalid('f64 % differs in sqlite')
            b = min(l.b, r.b)
        check_bound(T, b)
        n = l.n or r.n or o in '/%'
        return X(T, n, b, '(%s %s %s)' % (l.tir, o, r.tir), '(%s %s %s)' % (conv(l, T), o, conv(r, T)))
    if op == 'neg':
        x = ax(e.k[0], ctx)
        if x.t not in NUMERIC or x.lit:
            raise Invalid('neg')
        check_bound(x.t, x.b)
        return X(x.t, x.n, x.b, '-(%s)' % x.tir, '(-(%s))' % x.sql)
    if op == 'not':
        x = ax(e.k[0], ctx)
        if x.t not in (BOOL, None):
            raise Invalid('not on non-bool')
        ctx.an.feat('not')
        return X(BOOL, x.n, 1, '!(%s)' % x.tir, '(NOT %s)' % x.sql)
    if op == 'isnull':
        x = ax(e.k[0], ctx)
        ctx.an.feat('is null')
        w = 'is not null' if e.val else 'is null'
        return X(BOOL, False, 1, '(%s %s)' % (x.tir, w), '(%s %s)' % (x.sql, w.upper()))
    if op == 'in':
        x = ax(e.k[0], ctx)
        items, neg = e.val
        if x.t is None or not items:
            raise Invalid('in')
        its_t, its_s, hasnull = [], [], False
        for kind, v in items:
            li = ax_lit((kind, v))
            if kind == 'null':
                hasnull = True
            elif x.t in INTS and kind == 'int':
                if x.t == I32 and not fits32(v):
                    raise Invalid('in item range')
            elif x.t == F64 and kind in ('int', 'float'):
                pass
            elif x.t == DATE and kind in ('date', 'str') and valid_date(v):
                pass
            elif lit_type(kind, v) != x.t:
                raise Invalid('in item type')
            its_t.append(li.tir)
            its_s.append(li.sql)
        ctx.an.feat('not in' if neg else 'in')
        w = 'not in' if neg else 'in'
        return X(BOOL, x.n or hasnull, 1, '(%s %s [%s])' % (x.tir, w, ', '.join(its_t)),
                 '(%s %s (%s))' % (x.sql, w.upper(), ', '.join(its_s)))
    if op == 'like':
        x = ax(e.k[0], ctx)
        pat, neg = e.val[:2]
        mode = e.val[2] if len(e.val) > 2 else 'like'
        if x.t != STR:
            raise Invalid('like on non-string')
        w = ('not ' if neg else '') + ('ilike' if mode == 'ilike' else 'like')
        ctx.an.feat(w + ('' if mode in ('like', 'ilike') else ' ' + mode))
        if mode == 'column':   # the pattern is another string column, row by row
            y = ax(e.k[1], ctx)
            if y.t != STR:
                raise Invalid('like pattern on non-string')
            return X(BOOL, x.n or y.n, 1, '(%s %s %s)' % (x.tir, w, y.tir), '(%s %s %s)' % (x.sql, w.upper(), y.sql))
        if mode == 'escape':
            return X(BOOL, x.n, 1, '(%s %s %s escape "!")' % (x.tir, w, tir_str(pat)),
                     "(%s %s %s ESCAPE '!')" % (x.sql, w.upper(), sql_str(pat)))
        if mode == 'ilike':
            # tir folds by Unicode simple case mapping, sqlite's lower() ASCII
            # only: É, the one other cased letter of the data, by hand
            fold = lambda v: "replace(lower(%s), '\u00c9', '\u00e9')" % v
            return X(BOOL, x.n, 1, '(%s %s %s)' % (x.tir, w, tir_str(pat)),
                     '(%s %s %s)' % (fold(x.sql), w.upper().replace('ILIKE', 'LIKE'), fold(sql_str(pat))))
        return X(BOOL, x.n, 1, '(%s %s %s)' % (x.tir, w, tir_str(pat)), '(%s %s %s)' % (x.sql, w.upper(), sql_str(pat)))
    if op == 'case':
        has_else = e.val
        kids = [ax(k, ctx) for k in e.k]
        conds = kids[0:len(kids) - (1 if has_else else 0):2]
        vals = kids[1::2] + ([kids[-1]] if has_else else [])
        if not conds:
            raise Invalid('case')
        for c in conds:
            if c.t not in (BOOL, None):
                raise Invalid('case condition')
        ts = [v.t for v in vals if v.t is not None]
        if not ts:
            raise Invalid('case of nulls')
        if all(t in NUMERIC for t in ts):
            T = max(ts, key=lambda t: RANK[t])
        elif all(t == ts[0] for t in ts):
            T = ts[0]
        else:
            raise Invalid('case branch types')
        b = max(v.b for v in vals)
        check_bound(T, b)
        n = any(v.n for v in vals) or not has_else
        ti, si = ['case'], ['(CASE']
        for i, c in enumerate(conds):
            ti.append('when %s then %s' % (c.tir, vals[i].tir))
            si.append('WHEN %s THEN %s' % (c.sql, conv(vals[i], T)))
        if has_else:
            ti.append('else ' + vals[-1].tir)
            si.append('ELSE ' + conv(vals[-1], T))
        ti.append('end')
        si.append('END)')
        ctx.an.feat('case')
        return X(T, n, b, '(' + ' '.join(ti) + ')', ' '.join(si))
    if op == 'cast':
        x = ax(e.k[0], ctx)
        to = e.val
        if x.t is None or x.lit:
            raise Invalid('cast of literal')
        ctx.an.feat('cast %s as %s' % (x.t, to))
        tt = 'cast(%s as %s)' % (x.tir, to)
        if to == F64 and x.t in NUMERIC:
            return X(F64, x.n, x.b, tt, 'CAST(%s AS REAL)' % x.sql)
        if to in INTS and x.t == F64:
            if x.b >= (2**31 - 1 if to == I32 else 2**62):
                raise Invalid('cast range')
            return X(to, x.n, math.floor(x.b), tt, 'CAST(%s AS INTEGER)' % x.sql)
        if to in INTS and x.t in INTS:
            check_bound(to, x.b)
            return X(to, x.n, x.b, tt, x.sql)
        if to in INTS and x.t == BOOL:
            return X(to, x.n, 1, tt, 'CAST(%s AS INTEGER)' % x.sql)
        if to == STR and x.t in INTS:
            return X(STR, x.n, 0, tt, 'CAST(%s AS TEXT)' % x.sql)
        if to == STR and x.t in (DATE, STR):
            return X(STR, x.n, 0, tt, x.sql)
        raise Invalid('cast')
    if op == 'fn':
        name = e.val
        args = [ax(k, ctx) for k in e.k]
        ctx.an.feat('function ' + name)
        if name == 'abs':
            x = args[0]
            if x.t not in NUMERIC or x.lit:
                raise Invalid('abs')
            check_bound(x.t, x.b)
            return X(x.t, x.n, x.b, 'abs(%s)' % x.tir, 'abs(%s)' % x.sql)
        if name == 'length':
            x = args[0]
            if x.t != STR:
                raise Invalid('length')
            return X(I64, x.n, 10**4, 'length(%s)' % x.tir, 'length(%s)' % x.sql)
        if name == 'substring':
            x = args[0]
            if x.t != STR or len(args) not in (2, 3) or any(a.lit != 'int' or a.v < 0 for a in args[1:]):
                raise Invalid('substring')
            return X(STR, x.n, 0, 'substring(%s)' % ', '.join(a.tir for a in args),
                     'substr(%s)' % ', '.join(a.sql for a in args))
        if name in ('upper', 'lower', 'trim', 'ltrim', 'rtrim'):
            x = args[0]
            if x.t != STR:
                raise Invalid(name)
            return X(STR, x.n, 0, '%s(%s)' % (name, x.tir), '%s(%s)' % (name, x.sql))
        if name == 'replace':
            if any(a.t != STR for a in args) or args[1].lit != 'str' or not args[1].v:
                raise Invalid('replace')
            return X(STR, any(a.n for a in args), 0, 'replace(%s)' % ', '.join(a.tir for a in args),
                     'replace(%s)' % ', '.join(a.sql for a in args))
        if name in ('coalesce', 'nullif'):
            a, b = args
            if a.t is None or a.t != b.t or a.t == BOOL or (a.lit and b.lit):
                raise Invalid(name)
            n = a.n and b.n if name == 'coalesce' else True
            return X(a.t, n, max(a.b, b.b), '%s(%s, %s)' % (name, a.tir, b.tir), '%s(%s, %s)' % (name, a.sql, b.sql))
        if name == 'sign':
            x = args[0]
            if x.t not in NUMERIC or x.lit:
                raise Invalid('sign')
            return X(I32, x.n, 1, 'sign(%s)' % x.tir, 'sign(%s)' % x.sql)
        if name in ('floor', 'ceil'):
            x = args[0]
            if x.t != F64 or x.lit:
                raise Invalid(name)
            return X(F64, x.n, x.b + 1, '%s(%s)' % (name, x.tir), '%s(%s)' % (name, x.sql))
        if name in ('year', 'month', 'day', 'extract'):
            x = args[0]
            if x.t != DATE:
                raise Invalid('date part')
            if name == 'extract':
                t = 'extract(year from %s)' % x.tir
                name = 'year'
            else:
                t = '%s(%s)' % (name, x.tir)
            f = {'year': '%Y', 'month': '%m', 'day': '%d'}[name]
            return X(I32, x.n, 9999, t, "CAST(strftime('%s', %s) AS INTEGER)" % (f, x.sql))
        raise Invalid('fn ' + name)
    raise AssertionError(op)


# ---------------------------------------------------------------- programs

class Stmt:
    def __init__(self, target, op, **a):
        self.target, self.op, self.a = target, op, a


class Pipe:
    def __init__(self, name, stmts=None):
        self.name, self.stmts = name, stmts or []


class Program:
    def __init__(self):
        self.tables = []
        self.pipes = []
        self.outputs = []       # [pipeline, target, alias or None]
        self.batch = [0] * 6    # --batch-size of each run

    def table(self, name):
        for t in self.tables:
            if t.name == name:
                return t
        return None


class Rel:
    kind = 'rel'

    def __init__(self, cols, cte):
        self.cols, self.cte = cols, cte
        self.order = []         # known order: [(column, desc, nulls_first or None)]
        self.rn = False         # the CTE's "_rn" orders the rows as tir produces them (base table file order)
        self.det = True
        self.bloom = {}         # column (None: lost) -> bloom filter not yet made exact by a join
        self.src = None         # 'sort' / 'limit'
        self.full = None        # sort: CTE with every row and the hidden keys
        self.sortkeys = None    # sort: [(hidden sql column, desc, nulls_first)]
        self.window = None      # (count or None, offset)
        self.lim_input = None
        self.sid = None


class Tup:
    kind = 'tuple'

    def __init__(self, fields, cte, det):
        self.fields, self.cte, self.det = fields, cte, det


class HT:
    kind = 'ht'

    def __init__(self, keys, vals, cte, det, src, keyunique):
        self.keys, self.vals, self.cte, self.det, self.src, self.keyunique = keys, vals, cte, det, src, keyunique


class BF:
    kind = 'bf'

    def __init__(self, col, ci, src, det):
        self.col, self.ci, self.src, self.det = col, ci, src, det


BREAKERS = ('aggregate', 'build_hash', 'build_bloom', 'hash_group_by', 'sort', 'window')
KINDS = ('inner', 'left', 'semi', 'anti')


def table_cis(t):
    d = {}
    for c in t.cols:
        d[c.name] = CI(c.type, c.nullable, c.bound, c.unique, c.samples)
    return d


def agg_info(fn, x, grouped):
    """Type, nullability, bound of an aggregate over x (None: count(*))."""
    if fn == 'count':
        return I64, False, ROWBOUND
    if x.t is None:
        raise Invalid('aggregate of null')
    n = x.n if grouped else True
    if fn == 'sum':
        if x.t in INTS:
            check_bound(I64, x.b * ROWBOUND)
            return I64, n, x.b * ROWBOUND
        if x.t == F64:
            return F64, n, x.b * ROWBOUND
        raise Invalid('sum type')
    if fn in ('min', 'max'):
        if x.t == BOOL:
            raise Invalid('min of bool')
        return x.t, n, x.b
    if fn == 'avg':
        if x.t not in NUMERIC:
            raise Invalid('avg type')
        if x.t in INTS and x.b > 10**12:
            raise Invalid('avg of huge integers: sqlite sums them as doubles')
        return F64, n, x.b
    raise AssertionError(fn)


class OutSpec:
    def __init__(self, name, cols, sql, mode, keyn=0, window=None):
        self.name, self.cols, self.sql, self.mode, self.keyn, self.window = name, cols, sql, mode, keyn, window


class Analyzer:
    """Types a program as tir does (as far as generated programs go) and writes
    its tir text and the SQL computing the same. Raises Invalid for anything a
    checkable program must not do."""

    def __init__(self, prog):
        self.prog = prog
        self.tables = {t.name: t for t in prog.tables}
        self.vals = {}
        self.ctes = []
        self.ptext = []
        self.feats = set()
        self.used = []

    def feat(self, f):
        self.feats.add(f)

    def value(self, ref, kind):
        v = self.vals.get(ref)
        if v is None or v.kind != kind:
            raise Invalid('no %s %s' % (kind, ref))
        if not v.det:
            raise Invalid('nondeterministic value used')
        if getattr(v, 'bloom', None):
            raise Invalid('relation with an inexact bloom filter used')
        return v

    def use_table(self, name):
        t = self.tables.get(name)
        if t is None:
            raise Invalid('no table ' + name)
        if name not in self.used:
            self.used.append(name)
        return t

    def cte(self, name, sql):
        self.ctes.append((name, sql))
        return name

    def run(self):
        seen = set()
        for p in self.prog.pipes:
            if p.name in seen or p.name in self.tables:
                raise Invalid('duplicate pipeline')
            seen.add(p.name)
            self.begin(p.name)
            if not p.stmts:
                raise Invalid('empty pipeline')
            for s in p.stmts:
                self.add(s)
            self.end()
        self.finish()
        return self

    def finish(self):
        self.outs = []
        names = set()
        if not self.prog.outputs:
            raise Invalid('no output')
        for p, t, alias in self.prog.outputs:
            name = alias or '%s.%s' % (p, t)
            if name in names:
                raise Invalid('duplicate output')
            names.add(name)
            self.outs.append(self.output(p, t, name))

    # -- text
    def tir_text(self, native):
        out = []
        for name in self.used:
            t = self.tables[name]
            if native:
                if t.native_block:
                    out.append('%s: Table = read_table("%s.tirt") { %s }' % (name, name, t.decl(True)))
                else:
                    out.append('%s: Table = read_table("%s.tirt")' % (name, name))
            else:
                out.append('%s: Table = read_csv("%s.csv", header = true) { %s }' % (name, name, t.decl()))
        out.append('')
        out.extend(self.ptext)
        for p, t, alias in self.prog.outputs:
            out.append('output %s.%s%s' % (p, t, (' as ' + alias) if alias else ''))
        return '\n'.join(out) + '\n'

    def sql_text(self, o):
        return 'WITH ' + ',\n'.join('%s AS (%s)' % (qi(n), s) for n, s in self.ctes) + '\n' + o.sql + ';'

    # -- pipelines, one statement at a time (the generator adds statements and
    # backs out of those that raise Invalid)
    def begin(self, pname):
        self.cur = (pname, {}, {})
        self.lines = []

    def add(self, s):
        pname, local, lops = self.cur
        if s.target in local or '.' in s.target:
            raise Invalid('duplicate statement')
        if (not local) != (s.op == 'scan'):
            raise Invalid('scan first')
        snap = (len(self.ctes), len(self.used), set(self.feats), len(self.lines))
        try:
            v, text = getattr(self, 'st_' + s.op)(pname, s, s.a)
        except Invalid:
            self.undo(snap)
            raise
        self.last = (s.target, snap)
        if isinstance(v, Rel):
            v.sid = pname + '.' + s.target
        local[s.target] = v
        lops[s.target] = s.op
        self.lines.append('    %s = %s' % (s.target, text))
        self.feat('op ' + s.op)
        return v

    def undo(self, snap=None):
        """Forgets the statement added last (or what an attempt added)."""
        if snap is None:
            target, snap = self.last
            del self.cur[1][target]
            del self.cur[2][target]
        del self.ctes[snap[0]:]
        del self.used[snap[1]:]
        self.feats = snap[2]
        del self.lines[snap[3]:]

    def end(self):
        pname, local, lops = self.cur
        for t, v in local.items():
            self.vals[pname + '.' + t] = v
        self.ptext.append('%s: Pipeline = {\n%s\n}\n' % (pname, '\n'.join(self.lines)))
        self.cur = None

    def inp(self, name, sink=False):
        pname, local, lops = self.cur
        v = local.get(name)
        if v is None or v.kind != 'rel' or lops[name] in BREAKERS:
            raise Invalid('bad input ' + str(name))
        if not v.det:
            raise Invalid('nondeterministic input')
        if sink and v.bloom:
            raise Invalid('sink before the bloom filter is exact')
        return v

    def cname(self, pname, s):
        return '%s_%s' % (pname, s.target)

    def st_scan(self, pname, s, a):
        tname = a['table']
        if '.' in tname:
            src = self.value(tname, 'rel')
            scols, order, rn, frm = src.cols, src.order, False, src.cte
            self.feat('scan of a relation')
        else:
            t = self.use_table(tname)
            scols = table_cis(t)
            order = [(t.sort[0], t.sort[1], None)] if t.sort else []
            rn, frm = True, tname
        cols = a.get('columns') or list(scols)
        if len(set(cols)) != len(cols) or any(c not in scols for c in cols):
            raise Invalid('scan columns')
        out = {c: scols[c] for c in cols}
        text = 'table_scan :table = %s' % tname
        if a.get('columns'):
            text += ' :columns = [%s]' % ', '.join(tir_str(c) for c in cols)
        where, mm = [], []
        for c, lo, hi in a.get('minmaxes') or []:
            ci = out.get(c)
            if ci is None or c in [m[0] for m in mm] or ci.type == BOOL:
                raise Invalid('minmax column')
            bt, bs = [], []
            for b in (lo, hi):
                if b.op == 'tref':
                    x = ax(b, Ctx(self, {}))
                    if x.t != ci.type:
                        raise Invalid('minmax tuple field type')
                    self.feat('minmax bound from a tuple')
                else:
                    kind, v = b.val
                    ok = (ci.type in INTS and kind == 'int' and (ci.type == I64 or fits32(v)) or
                          ci.type == F64 and kind in ('int', 'float') or
                          ci.type == STR and kind == 'str' or
                          ci.type == DATE and kind in ('str', 'date') and valid_date(v))
                    if not ok:
                        raise Invalid('minmax literal')
                    x = ax_lit(b.val)
                    if kind == 'date' and b.alt:     # a string literal read as a date
                        x.tir = tir_str(v)
                bt.append(x.tir)
                bs.append(x.sql)
            mm.append((c, bt))
            where.append('%s BETWEEN %s AND %s' % (qi(c), bs[0], bs[1]))
            self.feat('minmaxes %s' % ci.type)
        if mm:
            text += ' :minmaxes = { %s }' % ', '.join('%s: [%s, %s]' % (tir_str(c), b[0], b[1]) for c, b in mm)
        r = Rel(dict(out), None)
        bl = []
        for c, ref in a.get('blooms') or []:
            ci = out.get(c)
            bf = self.value(ref, 'bf')
            if ci is None or c in r.bloom or bf.ci.type != ci.type:
                raise Invalid('bloom column')
            r.bloom[c] = ref
            bl.append('%s: %s' % (tir_str(c), ref))
            self.feat('blooms')
        if bl:
            text += ' :blooms = { %s }' % ', '.join(bl)
        r.order = prefix_order(order, out)
        r.rn = rn
        sel = [qi(c) for c in cols] + (['"_rn"'] if rn else [])
        r.cte = self.cte(self.cname(pname, s), 'SELECT %s FROM %s%s' % (
            ', '.join(sel), qi(frm), (' WHERE ' + ' AND '.join(where)) if where else ''))
        return r, text

    def st_filter(self, pname, s, a):
        i = self.inp(a['input'])
        x = ax(a['expr'], Ctx(self, i.cols, a['input']))
        if x.t != BOOL:
            raise Invalid('filter of non-bool')
        proj = a.get('projection') or list(i.cols)
        if len(set(proj)) != len(proj) or any(c not in i.cols for c in proj):
            raise Invalid('filter projection')
        r = Rel({c: i.cols[c] for c in proj}, None)
        r.order = prefix_order(i.order, r.cols)
        r.rn = i.rn
        r.bloom = carry_bloom(i.bloom, {c: c for c in proj})
        sel = [qi(c) for c in proj] + (['"_rn"'] if i.rn else [])
        r.cte = self.cte(self.cname(pname, s), 'SELECT %s FROM %s WHERE %s' % (', '.join(sel), qi(i.cte), x.sql))
        text = 'filter :input = %s :expr = %s' % (a['input'], x.tir)
        if a.get('projection'):
            text += ' :projection = [%s]' % ', '.join(tir_str(c) for c in proj)
            self.feat('filter projection')
        return r, text

    def st_project(self, pname, s, a):
        i = self.inp(a['input'])
        ents = a['columns']
        if not ents or len({n for n, _ in ents}) != len(ents):
            raise Invalid('project columns')
        cols, ti, si, passed = {}, [], [], {}
        for n, e in ents:
            x = ax(e, Ctx(self, i.cols, a['input']))
            if x.t is None:
                raise Invalid('null column')
            if e.op == 'col':
                cols[n] = i.cols[e.val].copy()
                if n == e.val:
                    passed[e.val] = n
            else:
                cols[n] = CI(x.t, x.n, x.b, inexact=inexact(e, i.cols, self))
            ti.append('%s: %s' % (tir_str(n), x.tir))
            si.append('%s AS %s' % (x.sql, qi(n)))
        r = Rel(cols, None)
        r.order = prefix_order(i.order, passed)
        r.rn = i.rn
        r.bloom = carry_bloom(i.bloom, passed)
        if i.rn:
            si.append('"_rn"')
        r.cte = self.cte(self.cname(pname, s), 'SELECT %s FROM %s' % (', '.join(si), qi(i.cte)))
        return r, 'project :input = %s :columns = { %s }' % (a['input'], ', '.join(ti))

    def aggs(self, i, ents, inname, grouped):
        if not ents or len({n for n, _, _ in ents}) != len(ents):
            raise Invalid('aggregates')
        fields, ti, si = {}, [], []
        for n, fn, e in ents:
            if fn == 'combo':
                fields[n], t_tir, t_sql = self.agg_combo(i, e, inname, grouped)
                ti.append('%s: %s' % (tir_str(n), t_tir))
                si.append('%s AS %s' % (t_sql, qi(n)))
                continue
            if e is None:
                if fn != 'count':
                    raise Invalid('star')
                t, nl, b = I64, False, ROWBOUND
                xt, xs = '*', '*'
                self.feat('agg count(*)')
            else:
                x = ax(e, Ctx(self, i.cols, inname))
                if fn == 'string_agg':
                    # its order is unspecified across workers: its length is not
                    if x.t != STR:
                        raise Invalid('string_agg type')
                    fields[n] = CI(I64, x.n if grouped else True, ROWBOUND * 1000)
                    ti.append('%s: length(string_agg(%s, "|"))' % (tir_str(n), x.tir))
                    si.append("length(group_concat(%s, '|')) AS %s" % (x.sql, qi(n)))
                    self.feat('agg length(string_agg)')
                    continue
                if fn.endswith('_distinct'):
                    fn = fn[:-len('_distinct')]
                    xt, xs = 'distinct ' + x.tir, 'DISTINCT ' + x.sql
                    self.feat('agg %s(distinct %s)' % (fn, x.t))
                else:
                    xt, xs = x.tir, x.sql
                    self.feat('agg %s(%s)%s' % (fn, x.t, '' if e.op == 'col' else ' of an expression'))
                t, nl, b = agg_info(fn, x, grouped)
            fields[n] = CI(t, nl, b, inexact=e is not None and (
                inexact(e, i.cols, self) or fn in ('sum', 'avg') and x.t == F64 or
                fn == 'avg' and x.b * 40000 > 2**53))
            ti.append('%s: %s(%s)' % (tir_str(n), fn, xt))
            si.append('%s(%s) AS %s' % (fn, xs, qi(n)))
        return fields, ti, si

    def agg_combo(self, i, e, inname, grouped):
        """An entry computed over two aggregate calls: N('aggbin', [N('agg'), N('agg')], op)."""
        if e is None or e.op != 'aggbin' or len(e.k) != 2 or any(k.op != 'agg' or len(k.k) > 1 for k in e.k):
            raise Invalid('combo shape')
        sides, inex = [], False
        for k in e.k:
            fn = k.val
            if not k.k:
                if fn != 'count':
                    raise Invalid('star')
                sides.append((CI(I64, False, ROWBOUND), 'count(*)', 'count(*)'))
                continue
            x = ax(k.k[0], Ctx(self, i.cols, inname))
            t, nl, b = agg_info(fn, x, grouped)
            inex = inex or inexact(k.k[0], i.cols, self) or fn in ('sum', 'avg') and x.t == F64
            sides.append((CI(t, nl, b), '%s(%s)' % (fn, x.tir), '%s(%s)' % (fn, x.sql)))
        # typed as an expression over two columns standing for the calls
        x = ax(N('bin', [col('$a'), col('$b')], val=e.val), Ctx(self, {'$a': sides[0][0], '$b': sides[1][0]}))
        t_tir = x.tir.replace('$in.$a', sides[0][1]).replace('$in.$b', sides[1][1])
        t_sql = x.sql.replace(qi('$a'), sides[0][2]).replace(qi('$b'), sides[1][2])
        self.feat('agg computed %s %s' % (e.val, x.t))
        return CI(x.t, x.n, x.b, inexact=inex or x.t == F64), t_tir, t_sql

    def st_aggregate(self, pname, s, a):
        i = self.inp(a['input'], sink=True)
        fields, ti, si = self.aggs(i, a['aggs'], a['input'], False)
        c = self.cte(self.cname(pname, s), 'SELECT %s FROM %s' % (', '.join(si), qi(i.cte)))
        return Tup(fields, c, i.det), 'aggregate :input = %s :aggregates = { %s }' % (a['input'], ', '.join(ti))

    def st_hash_group_by(self, pname, s, a):
        i = self.inp(a['input'], sink=True)
        keys = a['group_by']
        kx = a.get('keyexprs') or []
        names = keys + [kn for kn, _ in kx]
        if not names or len(set(names)) != len(names) or any(k not in i.cols for k in keys):
            raise Invalid('group keys')
        fields, ti, si = self.aggs(i, a['aggs'], a['input'], True)
        if any(n in names for n in fields):
            raise Invalid('aggregate named as a key')
        cols = {}
        for k in keys:
            cols[k] = i.cols[k].copy(unique=len(names) == 1)
        ktir, ksql = ['%s: $in.%s' % (tir_str(k), k) for k in keys], [qi(k) for k in keys]
        for kn, ke in kx:
            x = ax(ke, Ctx(self, i.cols, a['input']))
            if x.t not in (I32, I64, STR, DATE, BOOL) or x.lit:
                raise Invalid('computed key type')
            cols[kn] = CI(x.t, x.n, x.b, unique=len(names) == 1)
            ktir.append('%s: %s' % (tir_str(kn), x.tir))
            ksql.append('%s AS %s' % (x.sql, qi(kn)))
            self.feat('group key computed ' + x.t)
        cols.update(fields)
        r = Rel(cols, None)
        r.cte = self.cte(self.cname(pname, s), 'SELECT %s, %s FROM %s GROUP BY %s' % (
            ', '.join(ksql), ', '.join(si), qi(i.cte), ', '.join(str(j + 1) for j in range(len(names)))))
        self.feat('group by %d keys' % len(names))
        for k in keys:
            self.feat('group key ' + i.cols[k].type)
        if kx:
            gb = '{ %s }' % ', '.join(ktir)
        else:
            gb = '[%s]' % ', '.join(tir_str(k) for k in keys)
        return r, 'hash_group_by :input = %s :group_by = %s :aggregates = { %s }' % (a['input'], gb, ', '.join(ti))

    def st_build_hash(self, pname, s, a):
        i = self.inp(a['input'], sink=True)
        keys, vals = a['key'], a.get('value') or []
        allc = keys + vals
        if not keys or len(set(allc)) != len(allc) or any(c not in i.cols for c in allc):
            raise Invalid('hash table columns')
        ht = HT([(k, i.cols[k]) for k in keys], [(v, i.cols[v]) for v in vals], None, i.det,
                pname + '.' + a['input'], any(i.cols[k].unique for k in keys))
        ht.cte = self.cte(self.cname(pname, s), 'SELECT %s FROM %s' % (', '.join(qi(c) for c in allc), qi(i.cte)))
        text = 'build_hash :input = %s :key = [%s]' % (a['input'], ', '.join(tir_str(k) for k in keys))
        if a.get('value') is not None:
            text += ' :value = [%s]' % ', '.join(tir_str(v) for v in vals)
        for k in keys:
            self.feat('hash key ' + i.cols[k].type)
        return ht, text

    def st_build_bloom(self, pname, s, a):
        i = self.inp(a['input'], sink=True)
        c = a['key']
        if c not in i.cols:
            raise Invalid('bloom key')
        self.feat('bloom key ' + i.cols[c].type)
        return BF(c, i.cols[c], pname + '.' + a['input'], i.det), 'build_bloom :input = %s :key = [%s]' % (
            a['input'], tir_str(c))

    def join_proj(self, i, rcols, kind, proj, side_tag, default_right):
        """Output columns of a join: [(out, side, col, CI)]."""
        items = []
        if proj is None:
            for c in i.cols:
                items.append((c, 'in', c))
            if kind in ('inner', 'left'):
                for c in default_right:
                    items.append((c, side_tag, c))
        else:
            items = [tuple(p) for p in proj]
        if not items or len({o for o, _, _ in items}) != len(items):
            raise Invalid('join output names')
        out = []
        for o, side, c in items:
            if side == 'in':
                if c not in i.cols:
                    raise Invalid('join projection')
                ci = i.cols[c].copy(unique=i.cols[c].unique and kind in ('semi', 'anti'))
            else:
                if kind in ('semi', 'anti') or c not in rcols:
                    raise Invalid('join projection')
                ci = rcols[c].copy(unique=False, nullable=rcols[c].nullable or kind == 'left')
            out.append((o, side, c, ci))
        return out

    def proj_text(self, items, mapform, tag):
        if mapform or any(o != c for o, _, c, _ in items):
            return '{ %s }' % ', '.join('%s: %s.%s' % (tir_str(o), '$in' if sd == 'in' else tag, c)
                                        for o, sd, c, _ in items)
        return '[%s]' % ', '.join('%s.%s' % ('$in' if sd == 'in' else tag, c) for o, sd, c, _ in items)

    def join_sql(self, i, kind, probe, rnames, rcte, items, rside):
        """SQL of a join of i with relation rcte (columns rnames), probe: [(sql, key index)]."""
        ren = {c: '_h%d' % j for j, c in enumerate(rnames)}
        sub = '(SELECT %s FROM %s)' % (', '.join('%s AS %s' % (qi(c), qi(ren[c])) for c in rnames), qi(rcte))
        sel = ', '.join('%s AS %s' % (qi(c) if sd == 'in' else qi(ren[c]), qi(o)) for o, sd, c, _ in items)
        if kind in ('inner', 'left'):
            cond = ' AND '.join('%s = %s' % (p, qi(ren[rk])) for p, rk in probe)
            return 'SELECT %s FROM %s %sJOIN %s AS "_hj" ON %s' % (
                sel, qi(i.cte), 'LEFT ' if kind == 'left' else '', sub, cond)
        lhs = ', '.join('(%s)' % p for p, _ in probe)
        rk = ', '.join(qi(ren[k]) for _, k in probe)
        if len(probe) > 1:
            lhs = '(%s)' % lhs
        if kind == 'semi':
            w = '%s IN (SELECT %s FROM %s)' % (lhs, rk, sub)
        else:
            nn = ' AND '.join('%s IS NOT NULL' % qi(ren[k]) for _, k in probe)
            w = '%s OR %s NOT IN (SELECT %s FROM %s WHERE %s)' % (
                ' OR '.join('(%s) IS NULL' % p for p, _ in probe), lhs, rk, sub, nn)
        return 'SELECT %s FROM %s WHERE %s' % (sel, qi(i.cte), w)

    def st_hash_join(self, pname, s, a):
        i = self.inp(a['input'])
        ht = self.value(a['ht'], 'ht')
        kind = a.get('kind') or 'inner'
        keys = a['key']
        if kind not in KINDS or len(keys) != len(ht.keys):
            raise Invalid('join keys')
        probe, kt = [], []
        for e, (hk, hci) in zip(keys, ht.keys):
            x = ax(e, Ctx(self, i.cols, a['input']))
            if not (x.t == hci.type or x.t == I32 and hci.type == I64):
                raise Invalid('probe key type')
            probe.append((x.sql, hk))
            kt.append(x.tir)
            self.feat('probe key %s%s' % (x.t, '' if e.op == 'col' else ' expression'))
        if i.bloom and kind in ('left', 'anti'):
            raise Invalid('bloom before an outer join')
        rcols = {c: ci for c, ci in ht.keys + ht.vals}
        items = self.join_proj(i, rcols, kind, a.get('proj'), 'ht', [c for c, _ in ht.vals])
        r = Rel({o: ci for o, _, _, ci in items}, None)
        passed = {c: o for o, sd, c, _ in items if sd == 'in' and o == c}
        r.order = prefix_order(i.order, passed)
        r.bloom = carry_bloom(i.bloom, passed)
        if kind in ('inner', 'semi'):
            for e, (hk, _) in zip(keys, ht.keys):
                if e.op == 'col' and e.val in r.bloom:
                    bf = self.vals[r.bloom[e.val]]
                    if bf.src == ht.src and bf.col == hk:
                        del r.bloom[e.val]
                        self.feat('bloom made exact by the join')
        r.det = i.det and ht.det
        r.cte = self.cte(self.cname(pname, s), self.join_sql(
            i, kind, probe, [c for c, _ in ht.keys + ht.vals], ht.cte, items, 'ht'))
        text = 'hash_join :input = %s :ht = %s :key = [%s]' % (a['input'], a['ht'], ', '.join(kt))
        if a.get('kind'):
            text += ' :kind = ' + kind
        if a.get('proj') is not None:
            text += ' :projection = ' + self.proj_text(items, a.get('mapform'), '$ht')
        else:
            self.feat('join default projection')
        self.feat('hash_join ' + kind)
        if len(keys) > 1:
            self.feat('hash_join %d keys' % len(keys))
        if ht.keyunique:
            self.feat('hash_join unique build key')
        return r, text

    def st_merge_join(self, pname, s, a):
        i = self.inp(a['input'])
        right = a['right']
        if '.' in right:
            rv = self.value(right, 'rel')
            rcols, rorder, rcte = rv.cols, rv.order, rv.cte
            self.feat('merge_join right relation')
        else:
            t = self.use_table(right)
            rcols = table_cis(t)
            rorder = [(t.sort[0], t.sort[1], None)] if t.sort else []
            rcte = right
            self.feat('merge_join right table')
        kind = a.get('kind') or 'inner'
        keys, rkeys = a['key'], a['right_key']
        n = len(keys)
        if kind not in KINDS or n == 0 or len(rkeys) != n or len(i.order) < n or len(rorder) < n:
            raise Invalid('merge keys')
        for j in range(n):
            lk, rk = i.order[j], rorder[j]
            if lk[0] != keys[j] or rk[0] != rkeys[j] or lk[1] != rk[1]:
                raise Invalid('merge order')
            if lk[2] is not None and rk[2] is not None and lk[2] != rk[2]:
                raise Invalid('merge nulls')
            if i.cols[keys[j]].type != rcols[rkeys[j]].type:
                raise Invalid('merge key types')
        if i.bloom and kind in ('left', 'anti'):
            raise Invalid('bloom before an outer join')
        items = self.join_proj(i, rcols, kind, a.get('proj'), 'right', [c for c in rcols if c not in rkeys])
        r = Rel({o: ci for o, _, _, ci in items}, None)
        passed = {c: o for o, sd, c, _ in items if sd == 'in' and o == c}
        r.order = prefix_order(i.order, passed)
        r.bloom = carry_bloom(i.bloom, passed)
        probe = [(qi(k), rk) for k, rk in zip(keys, rkeys)]
        r.cte = self.cte(self.cname(pname, s), self.join_sql(i, kind, probe, list(rcols), rcte, items, 'right'))
        text = 'merge_join :input = %s :right = %s :key = [%s] :right_key = [%s]' % (
            a['input'], right, ', '.join('$in.' + k for k in keys), ', '.join(tir_str(k) for k in rkeys))
        if a.get('kind'):
            text += ' :kind = ' + kind
        if a.get('proj') is not None:
            text += ' :projection = ' + self.proj_text(items, a.get('mapform'), '$right')
        self.feat('merge_join ' + kind)
        self.feat('merge_join key ' + i.cols[keys[0]].type + (' desc' if i.order[0][1] else ''))
        if n > 1:
            self.feat('merge_join %d keys' % n)
        return r, text

    def st_limit(self, pname, s, a):
        i = self.inp(a['input'], sink=True)
        cnt, off = a['count'], a.get('offset') or 0
        r = Rel(dict(i.cols), i.cte)
        r.det = False
        r.src = 'limit'
        r.window = (cnt, off)
        r.order = list(i.order)
        r.lim_input = i
        text = 'limit :input = %s :count = %d' % (a['input'], cnt)
        if a.get('offset') is not None:
            text += ' :offset = %d' % off
        self.feat('limit' + (' of ordered rows' if i.order else ''))
        return r, text

    def st_sort(self, pname, s, a):
        i = self.inp(a['input'], sink=True)
        by = a['by']
        if not by:
            raise Invalid('sort keys')
        ti, ks, skeys, order, prefix = [], [], [], [], True
        for j, (e, desc, nulls) in enumerate(by):
            x = ax(e, Ctx(self, i.cols, a['input']))
            if x.t is None:
                raise Invalid('null sort key')
            nf = nulls == 'first'
            w = x.tir + (' desc' if desc else '') + ((' nulls ' + nulls) if nulls else '')
            ti.append(w)
            ks.append('%s AS "_k%d"' % (x.sql, j))
            skeys.append(('_k%d' % j, desc, nf))
            if prefix and e.op == 'col':
                order.append((e.val, desc, nf))
            else:
                prefix = False
            self.feat('sort key ' + x.t + (' desc' if desc else '') + (' nulls ' + nulls if nulls else '')
                      + ('' if e.op == 'col' else ' expression'))
        if i.rn:
            skeys.append(('_rn', False, False))
        vis = [qi(c) for c in i.cols]
        lim, off = a.get('limit'), a.get('offset')
        r = Rel(dict(i.cols), None)
        full = self.cte(self.cname(pname, s) + ('_full' if lim is not None or off is not None else ''),
                        'SELECT %s, %s%s FROM %s' % (', '.join(vis), ', '.join(ks),
                                                      ', "_rn"' if i.rn else '', qi(i.cte)))
        r.full, r.sortkeys, r.src, r.order = full, skeys, 'sort', order
        text = 'sort :input = %s :by = [%s]' % (a['input'], ', '.join(ti))
        if lim is not None or off is not None:
            r.window = (lim, off or 0)
            r.cte = self.cte(self.cname(pname, s), 'SELECT * FROM %s ORDER BY %s LIMIT %d OFFSET %d' % (
                qi(full), order_sql(skeys), -1 if lim is None else lim, off or 0))
            unique_key = any(e.op == 'col' and i.cols[e.val].unique for e, _, _ in by)
            r.det = i.rn or unique_key
            if lim is not None:
                text += ' :limit = %d' % lim
                self.feat('sort top-N')
            if off is not None:
                text += ' :offset = %d' % off
                self.feat('sort offset')
        else:
            r.cte = full
        if i.rn:
            self.feat('sort stability checked (input in file order)')
        return r, text

    def st_window(self, pname, s, a):
        i = self.inp(a['input'], sink=True)
        ctx = Ctx(self, i.cols, a['input'])
        parts, ords = a.get('partition_by') or [], a.get('order_by') or []
        pt, ps, ot, os_, hidden, skeys, order, prefix = [], [], [], [], [], [], [], True
        for j, e in enumerate(parts):
            x = ax(e, ctx)
            if x.t is None:
                raise Invalid('null partition key')
            pt.append(x.tir)
            ps.append(x.sql)
            hidden.append('%s AS "_w%d"' % (x.sql, j))
            skeys.append(('_w%d' % j, False, False))
            if prefix and e.op == 'col':
                order.append((e.val, False, False))
            else:
                prefix = False
            self.feat('window partition ' + x.t)
        unique_order = False
        for j, (e, desc, nulls) in enumerate(ords):
            x = ax(e, ctx)
            if x.t is None:
                raise Invalid('null order key')
            nf = nulls == 'first'
            ot.append(x.tir + (' desc' if desc else '') + ((' nulls ' + nulls) if nulls else ''))
            os_.append('%s %s NULLS %s' % (x.sql, 'DESC' if desc else 'ASC', 'FIRST' if nf else 'LAST'))
            k = len(parts) + j
            hidden.append('%s AS "_w%d"' % (x.sql, k))
            skeys.append(('_w%d' % k, desc, nf))
            if prefix and e.op == 'col':
                order.append((e.val, desc, nf))
            else:
                prefix = False
            if e.op == 'col' and i.cols[e.val].unique:
                unique_order = True
            self.feat('window order ' + x.t)
        fns = a['functions']
        if not fns or len({f[0] for f in fns}) != len(fns):
            raise Invalid('window functions')
        cols = dict(i.cols)
        ft, fs = [], []
        for name, fn, args, frame in fns:
            if name in cols:
                raise Invalid('function column named as an input column')
            xs = [ax(e, ctx) if e is not None else None for e in args]
            ties = False           # does the value depend on the order of rows with equal keys?
            inexact_ = False
            if fn in ('row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile'):
                if frame or (fn == 'ntile') != bool(args):
                    raise Invalid('ranking arguments')
                if fn == 'ntile' and (xs[0].lit != 'int' or xs[0].v < 1 or len(xs) != 1):
                    raise Invalid('ntile')
                t, nl, b = (F64, False, 1) if fn in ('percent_rank', 'cume_dist') else (I64, False, ROWBOUND)
                ties = fn in ('row_number', 'ntile')
                targs = [x.tir for x in xs]
                sargs = [x.sql for x in xs]
            elif fn in ('lag', 'lead'):
                if frame or not 1 <= len(xs) <= 3 or xs[0].t is None:
                    raise Invalid('lag')
                t, nl, b = xs[0].t, True, xs[0].b
                targs, sargs = [xs[0].tir], [xs[0].sql]
                if len(xs) > 1:
                    if xs[1].lit != 'int' or xs[1].v < 0:
                        raise Invalid('lag offset')
                    targs.append(xs[1].tir)
                    sargs.append(xs[1].sql)
                if len(xs) > 2:
                    d = xs[2]
                    if not d.lit or d.t is not None and d.t != t and not (t in NUMERIC and d.lit == 'int' and (
                            t != I32 or fits32(d.v)) or t == F64 and d.lit == 'float'):
                        raise Invalid('lag default')
                    b = max(b, d.b)
                    targs.append(d.tir)
                    sargs.append(conv(d, t))
                ties = True
                inexact_ = inexact(args[0], i.cols, self)
            elif fn in ('first_value', 'last_value', 'nth_value'):
                if not frame or frame[0] != 'rows' or xs[0].t is None or len(xs) != (2 if fn == 'nth_value' else 1):
                    raise Invalid('value function')
                if fn == 'nth_value' and (xs[1].lit != 'int' or xs[1].v < 1):
                    raise Invalid('nth_value')
                t, nl, b = xs[0].t, True, xs[0].b
                targs, sargs = [x.tir for x in xs], [x.sql for x in xs]
                ties = True
                inexact_ = inexact(args[0], i.cols, self)
            elif fn in ('count', 'sum', 'avg', 'min', 'max'):
                if args == [None]:
                    if fn != 'count':
                        raise Invalid('star')
                    t, nl, b = I64, False, ROWBOUND
                    targs = sargs = ['*']
                else:
                    if len(xs) != 1:
                        raise Invalid('window aggregate')
                    t, nl, b = agg_info(fn, xs[0], False)
                    targs, sargs = [xs[0].tir], [xs[0].sql]
                    inexact_ = inexact(args[0], i.cols, self) or fn in ('sum', 'avg') and xs[0].t == F64 or \
                        fn == 'avg' and xs[0].b * 40000 > 2**53
                ties = bool(frame) and frame[0] == 'rows'
                if fn == 'count':
                    nl = False
            else:
                raise Invalid('window function ' + fn)
            if ties and not (unique_order or i.rn):
                raise Invalid('window function depends on the order of ties')
            ftext, fsql = '', ''
            if frame:
                mode, lo, hi = frame
                if not (bound_pos(lo) <= bound_pos(hi)) or lo == ('uf',) or hi == ('up',):
                    raise Invalid('frame')
                if mode == 'range' and any(x[0] in ('p', 'f') for x in (lo, hi)):
                    raise Invalid('range frame with offsets')
                ftext = ' %s between %s and %s' % (mode, bound_text(lo), bound_text(hi))
                # sqlite refuses CURRENT ROW AND 0 PRECEDING: write a 0 offset as CURRENT ROW
                z = [('cr',) if x[0] in ('p', 'f') and x[1] == 0 else x for x in (lo, hi)]
                fsql = ' %s BETWEEN %s AND %s' % (mode.upper(), bound_text(z[0]).upper(), bound_text(z[1]).upper())
                self.feat('window frame %s %s..%s' % (mode, lo[0], hi[0]))
            over = []
            if ps:
                over.append('PARTITION BY ' + ', '.join(ps))
            ob = list(os_)
            if ties and not unique_order:
                ob.append('"_rn"')
            if ob:
                over.append('ORDER BY ' + ', '.join(ob))
            ft.append('%s: %s(%s)%s' % (tir_str(name), fn, ', '.join(targs), ftext))
            fs.append('%s(%s) OVER (%s%s) AS %s' % (fn, ', '.join(sargs), ' '.join(over), fsql, qi(name)))
            cols[name] = CI(t, nl, b, inexact=inexact_)
            self.feat('window ' + fn)
        if i.rn:
            skeys.append(('_rn', False, False))
        r = Rel(cols, None)
        vis = [qi(c) for c in i.cols]
        r.cte = self.cte(self.cname(pname, s), 'SELECT %s, %s%s%s FROM %s' % (
            ', '.join(vis), ', '.join(fs), ''.join(', ' + h for h in hidden), ', "_rn"' if i.rn else '', qi(i.cte)))
        r.full, r.sortkeys, r.src, r.order = r.cte, skeys, 'sort', order
        text = 'window :input = %s' % a['input']
        if parts:
            text += ' :partition_by = [%s]' % ', '.join(pt)
        if ords:
            text += ' :order_by = [%s]' % ', '.join(ot)
        text += ' :functions = { %s }' % ', '.join(ft)
        return r, text

    def output(self, p, t, name):
        v = self.vals.get('%s.%s' % (p, t))
        if v is None or v.kind not in ('rel', 'tuple'):
            raise Invalid('output of ' + p + '.' + t)
        if v.kind == 'tuple':
            if not v.det:
                raise Invalid('nondeterministic tuple')
            cols = [(n, ci) for n, ci in v.fields.items()]
            return OutSpec(name, cols, 'SELECT %s FROM %s' % (', '.join(qi(n) for n in v.fields), qi(v.cte)), 'bag')
        if v.bloom:
            raise Invalid('output before the bloom filter is exact')
        cols = list(v.cols.items())
        vis = ', '.join(qi(n) for n in v.cols)
        if v.src == 'sort' and v.sortkeys:
            self.feat('output ordered by a sort')
            return OutSpec(name, cols, 'SELECT %s, %s FROM %s ORDER BY %s' % (
                vis, ', '.join(qi(k) for k, _, _ in v.sortkeys), qi(v.full), order_sql(v.sortkeys)),
                'ordered', len(v.sortkeys), v.window)
        if not v.det and v.src != 'limit':
            raise Invalid('nondeterministic output')
        if v.order:
            self.feat('output in a known order')
            ks = [(c, d, nf) for c, d, nf in v.order]
            return OutSpec(name, cols, 'SELECT %s, %s FROM %s ORDER BY %s' % (
                vis, ', '.join(qi(c) for c, _, _ in ks), qi(v.cte), order_sql(ks)), 'ordered', len(ks), v.window)
        if v.src == 'limit':
            return OutSpec(name, cols, 'SELECT %s FROM %s' % (vis, qi(v.cte)), 'subset', 0, v.window)
        if v.window:                # a sort by nothing with a limit
            return OutSpec(name, cols, 'SELECT %s FROM %s' % (vis, qi(v.full)), 'subset', 0, v.window)
        return OutSpec(name, cols, 'SELECT %s FROM %s' % (vis, qi(v.cte)), 'bag')


def bound_pos(b):
    return {'up': -INF, 'uf': INF, 'cr': 0, 'p': -b[1] if len(b) > 1 else 0, 'f': b[1] if len(b) > 1 else 0}[b[0]]


def bound_text(b):
    return {'up': 'unbounded preceding', 'uf': 'unbounded following', 'cr': 'current row'}.get(b[0]) or \
        '%d %s' % (b[1], 'preceding' if b[0] == 'p' else 'following')


def order_sql(keys):
    return ', '.join('%s %s NULLS %s' % (qi(k), 'DESC' if d else 'ASC', 'FIRST' if nf else 'LAST') for k, d, nf in keys)


def prefix_order(order, present):
    """The known order left when only the columns in `present` stay (mapping old -> new name)."""
    out = []
    for c, d, nf in order:
        if c not in present:
            break
        out.append((present[c] if isinstance(present, dict) and not isinstance(present.get(c), CI) else c, d, nf))
    return out


def carry_bloom(bloom, passed):
    out = {}
    for c, ref in bloom.items():
        if c is not None and c in passed:
            out[passed[c]] = ref
        else:
            out[None] = ref
    return out


# --------------------------------------------------------------- generator

def table_rows(rng):
    r = rng.random()
    if r < 0.08:
        return rng.randint(0, 3)
    if r < 0.55:
        return rng.randint(4, 200)
    if r < 0.85:
        return rng.randint(200, 1200)
    if r < 0.99:
        return rng.randint(1200, 4000)
    return rng.randint(33000, 38000)        # more than one morsel of a CSV table


class Gen:
    def __init__(self, rng, prog):
        self.rng, self.prog = rng, prog
        self.an = Analyzer(prog)
        self.names = 0
        self.con = sqlite_db(prog, [t.name for t in prog.tables])
        self.cache = {}
        self.rel = None         # the relation expressions are being generated over

    def svals(self, name, ci):
        """Some actual values of column `name` of the current relation (from sqlite)."""
        rel = self.rel
        if rel is None or rel.cte is None or rel.cols.get(name) is not ci:
            return ci.samples
        key = (rel.cte, name)
        if key not in self.cache:
            sql = 'WITH ' + ',\n'.join('%s AS (%s)' % (qi(n), q) for n, q in self.an.ctes) + \
                '\nSELECT DISTINCT %s FROM %s WHERE %s IS NOT NULL LIMIT 300' % (qi(name), qi(rel.cte), qi(name))
            try:
                rows = run_sql(self.con, sql, max_rows=10**6, max_steps=3000)
            except (SqlTooBig, sqlite3.Error):
                rows = []
            vals = [bool(r[0]) if ci.type == BOOL else r[0] for r in rows]
            self.cache[key] = self.rng.sample(vals, min(12, len(vals))) if vals else ci.samples
        return self.cache[key]

    def fresh(self, prefix):
        self.names += 1
        return '%s%d' % (prefix, self.names)

    # -- values
    def generic(self, t):
        rng = self.rng
        if t in INTS:
            return rng.choice((0, 1, -1, rng.randint(-50, 50), rng.randint(-1000, 1000)))
        if t == F64:
            return rng.choice((0.0, -0.0, 0.5, rng.randint(-400, 400) / 4))
        if t == STR:
            return rng.choice(KEY_STRS)
        if t == DATE:
            return rng.choice(KEY_DATES)
        return rng.random() < 0.5

    def near(self, ci, name=None):
        rng, t = self.rng, ci.type
        smp = self.svals(name, ci) if name else ci.samples
        v = rng.choice(smp) if smp and rng.random() < 0.85 else self.generic(t)
        if rng.random() < 0.3:
            if t in INTS:
                v = v + rng.choice((-1, 1))
                if t == I32 and not fits32(v) or not -2**63 <= v < 2**63:
                    v = 0
            elif t == F64:
                v = v + rng.choice((-0.125, 0.125, 0.5))
            elif t == DATE:
                o = datetime.date.fromisoformat(v).toordinal() + rng.choice((-1, 1))
                v = date_str(min(max(o, 1), datetime.date(9999, 12, 31).toordinal()))
            elif t == STR:
                v = rng.choice((v + 'a', v[:-1], v + '\u00e9', v.upper()))
        return v

    def litnode(self, ci, v=None, name=None):
        v = self.near(ci, name) if v is None else v
        if ci.type == DATE:
            e = lit('date', v) if self.rng.random() < 0.5 else lit('str', v)
            return e
        if ci.type == F64 and float(v).is_integer() and self.rng.random() < 0.5 and abs(v) < 2**53 \
                and not (v == 0 and math.copysign(1, v) < 0):
            return lit('int', int(v))
        return lit_of(ci.type, v)

    # -- expressions
    def pick(self, cols, types=None, pred=None, other=None):
        c = [(n, ci) for n, ci in cols.items() if (types is None or ci.type in types) and (pred is None or pred(ci))]
        if other is not None and len(c) > 1:
            c = [x for x in c if x[0] != other]
        return self.rng.choice(c) if c else (None, None)

    def colnode(self, name):
        e = col(name)
        e.alt = self.rng.random() < 0.1
        return e

    def trefs(self, types):
        out = []
        for ref, v in self.an.vals.items():
            if v.kind == 'tuple' and v.det:
                for f, ci in v.fields.items():
                    if ci.type in types:
                        p, t = ref.split('.')
                        out.append((N('tref', val=(p, t, f)), ci))
        return out

    def valid(self, e, cols):
        try:
            return ax(e, Ctx(self.an, cols, 'v'))
        except Invalid:
            return None

    def gen_pred(self, cols, depth):
        rng = self.rng
        r = rng.random()
        if depth > 0 and r < 0.28:
            return N('bin', [self.gen_pred(cols, depth - 1), self.gen_pred(cols, depth - 1)], rng.choice(('&&', '||')))
        if depth > 0 and r < 0.36:
            return N('not', [self.gen_pred(cols, depth - 1)])
        if depth > 0 and r < 0.39:
            return N('case', [self.gen_pred(cols, 0), self.gen_pred(cols, 0), self.gen_pred(cols, 0)], True)
        for _ in range(8):
            e = self.atom(cols)
            if e is not None and self.valid(e, cols):
                return e
        return lit('bool', True)

    def cmp(self, a, b):
        return N('bin', [a, b], self.rng.choice(CMP_OPS))

    def atom(self, cols):
        rng = self.rng
        name, ci = rng.choice(list(cols.items()))
        c = self.colnode(name)
        t = ci.type
        r = rng.random()
        if r < 0.08:
            return N('isnull', [c], rng.random() < 0.5)
        r = rng.random()
        if t == BOOL:
            if r < 0.4:
                return c
            if r < 0.7:
                return N('bin', [c, lit('bool', rng.random() < 0.5)], rng.choice(('==', '!=')))
            n2, c2 = self.pick(cols, (BOOL,), other=name)
            return N('bin', [c, col(n2)], rng.choice(CMP_OPS))
        if t in NUMERIC:
            if r < 0.4:
                return self.cmp(c, self.litnode(ci, name=name))
            if r < 0.5:
                lo, hi = sorted((self.near(ci, name), self.near(ci, name)))
                return N('bin', [N('bin', [c, self.litnode(ci, lo)], '>='), N('bin', [col(name), self.litnode(ci, hi)], '<=')], '&&')
            if r < 0.6:
                items = [self.litnode(ci, name=name).val for _ in range(rng.randint(1, 4))]
                if rng.random() < 0.2:
                    items.append(('null', None))
                return N('in', [c], (items, rng.random() < 0.3))
            if r < 0.7:
                n2, c2 = self.pick(cols, NUMERIC, other=name)
                return self.cmp(c, self.colnode(n2))
            if r < 0.85:
                e = self.gen_num(cols, 2)
                return self.cmp(e, lit('int', rng.randint(-20, 20)) if rng.random() < 0.6 else self.litnode(ci, name=name))
            tr = self.trefs(NUMERIC)
            if tr:
                return self.cmp(c, rng.choice(tr)[0])
            return self.cmp(self.gen_num(cols, 1), self.litnode(ci, name=name))
        if t == STR:
            if r < 0.3:
                m = rng.random()
                neg = rng.random() < 0.25
                if m < 0.6:
                    return N('like', [c], (self.pattern(ci, name), neg))
                if m < 0.75:
                    return N('like', [c], (self.escaped(self.pattern(ci, name)), neg, 'escape'))
                if m < 0.9:
                    return N('like', [c], (self.pattern(ci, name), neg, 'ilike'))
                n2, c2 = self.pick(cols, (STR,), other=name)
                if n2 is not None:
                    return N('like', [c, col(n2)], ('', neg, 'column'))
                return N('like', [c], (self.pattern(ci, name), neg))
            if r < 0.55:
                return self.cmp(c, self.litnode(ci, name=name))
            if r < 0.7:
                items = [('str', self.near(ci, name)) for _ in range(rng.randint(1, 4))]
                if rng.random() < 0.2:
                    items.append(('null', None))
                return N('in', [c], (items, rng.random() < 0.3))
            if r < 0.8:
                return self.cmp(N('fn', [c], 'length'), lit('int', rng.randint(0, 20)))
            if r < 0.9:
                return self.cmp(self.gen_str(cols, 1), self.litnode(ci, name=name))
            n2, _ = self.pick(cols, (STR,), other=name)
            return self.cmp(c, self.colnode(n2))
        if t == DATE:
            if r < 0.4:
                return self.cmp(c, self.litnode(ci, name=name))
            if r < 0.55:
                lo, hi = sorted((self.near(ci, name), self.near(ci, name)))
                return N('bin', [N('bin', [c, self.litnode(ci, lo)], '>='), N('bin', [col(name), self.litnode(ci, hi)], '<')], '&&')
            if r < 0.7:
                f = rng.choice(('year', 'month', 'day', 'extract'))
                return self.cmp(N('fn', [c], f), lit('int', rng.choice((1969, 1970, 1, 12, 15, 2000, 1995))))
            if r < 0.8:
                items = [self.litnode(ci, name=name).val for _ in range(rng.randint(1, 3))]
                return N('in', [c], (items, rng.random() < 0.3))
            tr = self.trefs((DATE,))
            if tr and rng.random() < 0.5:
                return self.cmp(c, rng.choice(tr)[0])
            n2, _ = self.pick(cols, (DATE,), other=name)
            return self.cmp(c, self.colnode(n2))
        return None

    def pattern(self, ci, name=None):
        rng = self.rng
        s = self.near(ci, name) if rng.random() < 0.9 else ''
        r = rng.random()
        if r < 0.3:
            p = s[:rng.randint(0, len(s))] + '%'
        elif r < 0.5:
            p = '%' + s[rng.randint(0, len(s)):]
        elif r < 0.7 and s:
            i = rng.randint(0, len(s) - 1)
            p = '%' + s[i:i + rng.randint(1, 4)] + '%'
        elif r < 0.85 and s:
            i = rng.randint(0, len(s) - 1)
            p = s[:i] + '_' + s[i + 1:]
        else:
            p = s
        return p

    def escaped(self, p):
        """p with escape character '!': wildcards kept, some other characters
        escaped (an escaped character is itself), '!' always."""
        rng = self.rng
        return ''.join('!' + ch if ch == '!' or (ch not in '%_' and rng.random() < 0.3) else ch for ch in p)

    def gen_num(self, cols, depth, want=None):
        for _ in range(8):
            e = self.num_try(cols, depth)
            x = self.valid(e, cols)
            if x and x.t in NUMERIC and (want is None or x.t == want):
                return e
        n, ci = self.pick(cols, (want,) if want else NUMERIC)
        if n:
            return col(n)
        return lit('int', self.rng.randint(-5, 5)) if want != F64 else lit('float', 1.5)

    def num_try(self, cols, depth):
        rng = self.rng
        r = rng.random()
        if depth <= 0 or r < 0.35:
            n, ci = self.pick(cols, NUMERIC)
            if n and rng.random() < 0.85:
                return self.colnode(n)
            if rng.random() < 0.5:
                return lit('int', rng.choice((0, 1, 2, -1, 7, 100, rng.randint(-1000, 1000))))
            return lit('float', rng.choice((0.5, -0.25, 2.0, 0.1, 1.5)))
        if r < 0.7:
            op = rng.choice(('+', '-', '*', '/', '%', '+', '-', '*'))
            a = self.num_try(cols, depth - 1)
            b = self.num_try(cols, depth - 1) if rng.random() < 0.5 else lit('int', rng.choice((0, 1, 2, 3, -2, 7, 10)))
            return N('bin', [a, b], op)
        if r < 0.75:
            return N('neg', [self.num_try(cols, 0)])
        if r < 0.8:
            return N('fn', [self.num_try(cols, depth - 1)], 'abs')
        if r < 0.83:
            k = rng.random()
            a = self.num_try(cols, depth - 1)
            if k < 0.4:
                return N('fn', [a, self.num_try(cols, depth - 1)], rng.choice(('coalesce', 'coalesce', 'nullif')))
            if k < 0.7:
                return N('fn', [a], 'sign')
            return N('fn', [a], rng.choice(('floor', 'ceil')))
        if r < 0.86:
            return N('cast', [self.num_try(cols, depth - 1)], rng.choice((I32, I64, F64)))
        if r < 0.92:
            return self.case_of(cols, lambda: self.num_try(cols, depth - 1))
        if r < 0.95:
            n, _ = self.pick(cols, (STR,))
            if n:
                return N('fn', [col(n)], 'length')
            n, _ = self.pick(cols, (DATE,))
            if n:
                return N('fn', [col(n)], rng.choice(('year', 'month', 'day')))
        if r < 0.97:
            n, _ = self.pick(cols, (BOOL,))
            if n:
                return N('cast', [col(n)], rng.choice((I32, I64)))
        tr = self.trefs(NUMERIC)
        if tr:
            return rng.choice(tr)[0]
        return self.num_try(cols, 0)

    def case_of(self, cols, branch):
        rng = self.rng
        k = []
        for _ in range(rng.randint(1, 2)):
            k += [self.gen_pred(cols, 1), branch()]
        has_else = rng.random() < 0.75
        if has_else:
            k.append(branch() if rng.random() < 0.85 else lit('null', None))
        return N('case', k, has_else)

    def gen_str(self, cols, depth):
        rng = self.rng
        for _ in range(6):
            r = rng.random()
            n, ci = self.pick(cols, (STR,))
            if r < 0.3 and n:
                e = self.colnode(n)
            elif r < 0.55 and n:
                args = [col(n), lit('int', rng.choice((0, 1, 1, 2, 3, 12, 17)))]
                if rng.random() < 0.7:
                    args.append(lit('int', rng.choice((0, 1, 2, 5, 13, 100))))
                e = N('fn', args, 'substring')
            elif r < 0.7:
                n2, _ = self.pick(cols, INTS + (DATE,))
                e = N('cast', [col(n2)], STR) if n2 else lit('str', rng.choice(KEY_STRS))
            elif r < 0.85 and depth > 0:
                e = self.case_of(cols, lambda: self.gen_str(cols, depth - 1))
            elif r < 0.95 and n:
                k = rng.random()
                if k < 0.5:
                    e = N('fn', [col(n)], rng.choice(('upper', 'lower', 'trim', 'ltrim', 'rtrim')))
                elif k < 0.75:
                    e = N('fn', [col(n), lit('str', rng.choice(('a', 'k', '_', 'x'))), lit('str', rng.choice(('', 'Z', '--')))], 'replace')
                else:
                    e = N('fn', [col(n), lit('str', rng.choice(KEY_STRS)) if rng.random() < 0.6 else self.gen_str(cols, 0)],
                          rng.choice(('coalesce', 'nullif')))
            else:
                e = lit('str', rng.choice(KEY_STRS))
            x = self.valid(e, cols)
            if x and x.t == STR:
                return e
        return lit('str', 'x')

    def gen_date(self, cols):
        n, ci = self.pick(cols, (DATE,))
        if n and self.rng.random() < 0.7:
            return self.colnode(n)
        e = self.case_of(cols, lambda: col(n) if n and self.rng.random() < 0.6 else lit('date', self.rng.choice(KEY_DATES)))
        return e if self.valid(e, cols) else lit('date', '1970-01-01')

    def gen_value(self, cols, t):
        if t in NUMERIC:
            return self.gen_num(cols, 2)
        if t == STR:
            return self.gen_str(cols, 1)
        if t == DATE:
            return self.gen_date(cols)
        return self.gen_pred(cols, 1)

    # -- statements
    def add(self, op, **a):
        s = Stmt('v%d' % self.sn, op, **a)
        v = self.an.add(s)
        if op in ('hash_join', 'merge_join'):
            # every statement runs, used or not: no join may fan out too far
            n = self.count(v)
            if n is None or n > 30000:
                self.an.undo()
                raise Invalid('join too big')
        self.pipe.stmts.append(s)
        self.sn += 1
        return s.target, v

    def try_add(self, make, tries=6):
        for _ in range(tries):
            try:
                a = make()
                if a is None:
                    return None
                return self.add(a[0], **a[1])
            except Invalid:
                continue
        return None

    def avail(self, kind):
        return [(r, v) for r, v in self.an.vals.items()
                if v.kind == kind and v.det and not getattr(v, 'bloom', None)]

    def keyish(self, cols, types=None):
        """Columns good as join or group keys (small domains)."""
        good = [n for n, ci in cols.items() if (types is None or ci.type in types) and
                (ci.type in (STR, DATE, BOOL) or ci.bound <= 1000 or ci.unique)]
        return good or [n for n, ci in cols.items() if types is None or ci.type in types]

    def mk_scan(self):
        rng = self.rng
        rels = self.avail('rel')
        self.rel = None
        if rels and rng.random() < 0.3:
            ref, v = rng.choice(rels)
            table, scols = ref, v.cols
            self.rel = v
        else:
            t = rng.choice(self.prog.tables)
            table, scols = t.name, table_cis(t)
        a = {'table': table}
        names = list(scols)
        if rng.random() < 0.4 and len(names) > 1:
            keep = [n for n in names if rng.random() < 0.6] or [rng.choice(names)]
            a['columns'] = keep
            cols = {n: scols[n] for n in keep}
        else:
            cols = dict(scols)
        if rng.random() < 0.3:
            mm = []
            for _ in range(rng.choice((1, 1, 2))):
                n, ci = self.pick(cols, (I32, I64, F64, STR, DATE))
                if not n or n in [m[0] for m in mm]:
                    continue
                tr = [e for e, fci in self.trefs((ci.type,)) if fci.type == ci.type]
                if tr and rng.random() < 0.4:
                    lo, hi = rng.choice(tr), rng.choice(tr)
                else:
                    v1, v2 = sorted((self.near(ci, n), self.near(ci, n)))
                    if rng.random() < 0.1:
                        v1, v2 = v2, v1
                    lo, hi = self.litnode(ci, v1), self.litnode(ci, v2)
                    for b in (lo, hi):
                        if b.val[0] == 'str' and ci.type == DATE:
                            b.val = ('date', b.val[1])
                            b.alt = True
                mm.append([n, lo, hi])
            a['minmaxes'] = mm
        plan = None
        if rng.random() < 0.5:
            opts = []
            for ref, bf in self.avail('bf'):
                for hr, ht in self.avail('ht'):
                    if ht.src == bf.src and ht.keys[0][0] == bf.col:
                        for n, ci in cols.items():
                            if ci.type == bf.ci.type:
                                opts.append((ref, hr, n))
            if opts:
                plan = rng.choice(opts)
                a['blooms'] = [[plan[2], plan[0]]]
        return 'scan', a, plan

    def count(self, rel, where=None):
        """Rows of rel (where `where`, SQL, holds), or None if sqlite cannot tell quickly."""
        if rel.cte is None:
            return None
        sql = 'WITH ' + ',\n'.join('%s AS (%s)' % (qi(n), q) for n, q in self.an.ctes) + \
            '\nSELECT count(*) FROM %s%s' % (qi(rel.cte), (' WHERE ' + where) if where else '')
        try:
            return run_sql(self.con, sql, max_steps=10000)[0][0]
        except (SqlTooBig, sqlite3.Error):
            return None

    def mk_filter(self, cur, v):
        rng = self.rng
        self.rel = v
        total = self.count(v)
        for _ in range(4):
            e = self.gen_pred(v.cols, rng.choice((0, 0, 1, 1, 2, 3)))
            if not total or rng.random() < 0.1:
                break
            try:
                x = ax(e, Ctx(self.an, v.cols, cur))
            except Invalid:
                continue
            if self.count(v, x.sql):
                break
        a = {'input': cur, 'expr': e}
        if rng.random() < 0.2 and len(v.cols) > 1:
            keep = [n for n in v.cols if rng.random() < 0.7] or list(v.cols)[:1]
            a['projection'] = keep
        return 'filter', a

    def mk_project(self, cur, v):
        rng = self.rng
        self.rel = v
        ents = []
        for n in v.cols:
            if rng.random() < 0.55:
                ents.append([n, col(n)])
        for _ in range(rng.randint(1, 3)):
            t = wchoice(rng, [('num', 6), (STR, 2), (BOOL, 2), (DATE, 1)])
            e = self.gen_num(v.cols, 2) if t == 'num' else self.gen_value(v.cols, t)
            ents.append([self.fresh('e'), e])
        rng.shuffle(ents)
        return 'project', {'input': cur, 'columns': ents}

    def mk_hash_join(self, cur, v, forced=None):
        rng = self.rng
        opts = []
        for ref, ht in self.avail('ht'):
            if forced and ref != forced[1]:
                continue
            keys = []
            for hk, hci in ht.keys:
                cands = [n for n, ci in v.cols.items() if ci.type == hci.type or ci.type == I32 and hci.type == I64]
                if forced and hk == ht.keys[0][0] and len(keys) == 0:
                    cands = [forced[2]] if forced[2] in v.cols else []
                if not cands:
                    break
                n = rng.choice(cands)
                e = self.colnode(n)
                if not forced and rng.random() < 0.12 and hci.type in INTS:
                    e = N('bin', [col(n), lit('int', rng.choice((1, -1, 2)))], rng.choice(('+', '-')))
                elif not forced and rng.random() < 0.05 and hci.type == I64 and v.cols[n].type == I32:
                    e = N('cast', [col(n)], I64)
                keys.append(e)
            else:
                opts.append((ref, ht, keys))
        if not opts:
            return None
        ref, ht, keys = rng.choice(opts)
        kind = rng.choice(('inner', 'semi')) if forced else wchoice(rng, [('inner', 35), ('left', 30), ('semi', 15), ('anti', 20)])
        a = {'input': cur, 'ht': ref, 'key': keys}
        if kind != 'inner' or rng.random() < 0.5:
            a['kind'] = kind
        a['proj'] = self.join_proj(v.cols, [c for c, _ in ht.keys + ht.vals], [c for c, _ in ht.vals], kind, 'ht')
        a['mapform'] = rng.random() < 0.15
        return 'hash_join', a

    def join_proj(self, lcols, rall, rvals, kind, side):
        rng = self.rng
        if rng.random() < 0.2 and (kind in ('semi', 'anti') or not set(lcols) & set(rvals)):
            return None
        items = [[n, 'in', n] for n in lcols if rng.random() < 0.7] or [[list(lcols)[0], 'in', list(lcols)[0]]]
        if kind in ('inner', 'left'):
            used = {i[0] for i in items}
            for c in rall:
                if rng.random() < 0.5:
                    o = c if c not in used and rng.random() < 0.8 else self.fresh('j')
                    used.add(o)
                    items.append([o, side, c])
        return items

    def mk_merge_join(self, cur, v):
        rng = self.rng
        if not v.order:
            return None
        opts = []
        cands = []
        for t in self.prog.tables:
            if t.sort:
                cands.append((t.name, table_cis(t), [(t.sort[0], t.sort[1], None)]))
        for ref, rv in self.avail('rel'):
            if rv.order:
                cands.append((ref, rv.cols, rv.order))
        for name, rcols, rorder in cands:
            n = 0
            while n < min(len(v.order), len(rorder)):
                lk, rk = v.order[n], rorder[n]
                if v.cols[lk[0]].type != rcols[rk[0]].type or lk[1] != rk[1]:
                    break
                if lk[2] is not None and rk[2] is not None and lk[2] != rk[2]:
                    break
                n += 1
            if n:
                opts.append((name, rcols, rorder, n))
        if not opts:
            return None
        name, rcols, rorder, n = rng.choice(opts)
        n = rng.randint(1, n)
        kind = wchoice(rng, [('inner', 35), ('left', 30), ('semi', 15), ('anti', 20)])
        if kind == 'anti' and rcols.keys() >= v.cols.keys() and rng.random() < 0.8:
            kind = 'left'
        a = {'input': cur, 'right': name, 'key': [k for k, _, _ in v.order[:n]],
             'right_key': [k for k, _, _ in rorder[:n]]}
        if kind != 'inner' or rng.random() < 0.5:
            a['kind'] = kind
        rk = a['right_key']
        a['proj'] = self.join_proj(v.cols, list(rcols), [c for c in rcols if c not in rk], kind, 'right')
        a['mapform'] = rng.random() < 0.15
        return 'merge_join', a

    def mk_agg(self, cols, numeric=False):
        """One aggregate call: (fn, argument or None for count(*))."""
        rng = self.rng
        fns = [('count*', 2), ('count', 1.5), ('sum', 2), ('min', 1.5), ('max', 1.5), ('avg', 1.5)]
        fn = wchoice(rng, fns + ([] if numeric else [('string_agg', 0.6)]))
        if fn == 'count*':
            return 'count', None
        types = {'count': None, 'sum': NUMERIC, 'avg': NUMERIC, 'min': (I32, I64, F64, STR, DATE),
                 'max': (I32, I64, F64, STR, DATE), 'string_agg': (STR,)}[fn]
        if numeric and fn in ('min', 'max'):
            types = NUMERIC
        if rng.random() < 0.15 and fn in ('sum', 'avg', 'min', 'max'):
            return fn, self.gen_num(cols, 1)
        n, _ = self.pick(cols, types)
        return (fn, col(n)) if n else ('count', None)

    def mk_aggs(self, cols, nmax):
        rng = self.rng
        out = []
        for _ in range(rng.randint(1, nmax)):
            name = self.fresh('m')
            if rng.random() < 0.2:
                # an entry computed over two aggregate calls (sum(a) / count(*), ...)
                sides = [self.mk_agg(cols, True) for _ in range(2)]
                k = [N('agg', [e] if e is not None else [], val=fn) for fn, e in sides]
                out.append([name, 'combo', N('aggbin', k, val=rng.choice(('+', '-', '*', '/')))])
                continue
            fn, e = self.mk_agg(cols)
            out.append([name, fn, e])
        if rng.random() < 0.25 and all(fn != 'string_agg' for _, fn, _ in out):
            # distinct aggregates (not beside string_agg): one argument shared by one or two of them
            fns = rng.sample(('count', 'sum', 'avg'), rng.choice((1, 1, 2)))
            n, _ = self.pick(cols, NUMERIC if set(fns) & {'sum', 'avg'} else None)
            if n:
                out += [[self.fresh('m'), fn + '_distinct', col(n)] for fn in fns]
        return out

    def mk_group(self, cur, v):
        rng = self.rng
        ks = self.keyish(v.cols)
        keys = rng.sample(ks, min(len(ks), rng.choice((1, 1, 1, 2))))
        a = {'input': cur, 'group_by': keys, 'aggs': self.mk_aggs(v.cols, 3)}
        if rng.random() < 0.3:
            # a key computed from the row (`:group_by` as a map)
            ke = self.mk_key_expr(v.cols)
            if ke is not None:
                a['keyexprs'] = [[self.fresh('k'), ke]]
                if rng.random() < 0.3:
                    a['group_by'] = []
        return 'hash_group_by', a

    def mk_key_expr(self, cols):
        """A small-domain expression to group by: i % k, a prefix, a date part, a length."""
        rng = self.rng
        n, ci = self.pick(cols, (I32, I64, STR, DATE))
        if n is None:
            return None
        if ci.type in INTS:
            return N('bin', [col(n), lit('int', rng.choice((3, 7, 10)))], val='%')
        if ci.type == DATE:
            return N('fn', [col(n)], rng.choice(('year', 'month')))
        if rng.random() < 0.3:
            return N('fn', [col(n)], 'length')
        return N('fn', [col(n), lit('int', 1), lit('int', rng.randint(1, 3))], 'substring')

    def mk_sort(self, cur, v):
        rng = self.rng
        by = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if rng.random() < 0.8:
                e = col(rng.choice(list(v.cols)))
            else:
                e = self.gen_num(v.cols, 1) if rng.random() < 0.7 else self.gen_str(v.cols, 0)
            by.append([e, rng.random() < 0.35, wchoice(rng, [(None, 6), ('first', 2), ('last', 2)])])
        a = {'input': cur, 'by': by}
        if rng.random() < 0.35:
            a['limit'] = rng.choice((0, 1, 3, 10, 50, 1000))
        if rng.random() < 0.15:
            a['offset'] = rng.choice((0, 1, 5, 100))
        return 'sort', a

    def frame(self, rows_only=False):
        rng = self.rng
        if rows_only or rng.random() < 0.5:
            pts = [('up',), ('p', rng.choice((0, 1, 2, 5))), ('cr',), ('f', rng.choice((0, 1, 3))), ('uf',)]
            lo, hi = sorted(rng.sample(pts, 2), key=bound_pos)
            if lo == ('uf',) or hi == ('up',):
                lo, hi = ('up',), ('cr',)
            return ['rows', lo, hi]
        lo, hi = sorted(rng.sample([('up',), ('cr',), ('uf',)], 2), key=bound_pos)
        return ['range', lo, hi]

    def mk_window(self, cur, v):
        rng = self.rng
        self.rel = v
        parts = []
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            parts.append(col(rng.choice(self.keyish(v.cols))) if rng.random() < 0.85 else self.gen_num(v.cols, 1))
        ords = []
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            e = col(rng.choice(list(v.cols))) if rng.random() < 0.8 else self.gen_num(v.cols, 1)
            ords.append([e, rng.random() < 0.35, wchoice(rng, [(None, 6), ('first', 2), ('last', 2)])])
        settled = v.rn or any(e.op == 'col' and v.cols[e.val].unique for e, _, _ in ords)
        fns = []
        for _ in range(rng.randint(1, 4)):
            name = self.fresh('w')
            pool = [('rank', 2), ('dense_rank', 1), ('percent_rank', 1), ('cume_dist', 1), ('agg', 6)]
            if settled:
                pool += [('row_number', 2), ('ntile', 1), ('lag', 1.5), ('lead', 1.5), ('first_value', 1),
                         ('last_value', 1), ('nth_value', 1)]
            fn = wchoice(rng, pool)
            n, ci = rng.choice(list(v.cols.items()))
            if fn == 'agg':
                fn = rng.choice(('count', 'sum', 'avg', 'min', 'max'))
                if fn == 'count' and rng.random() < 0.3:
                    args = [None]
                else:
                    types = NUMERIC if fn in ('sum', 'avg') else (I32, I64, F64, STR, DATE) if fn in ('min', 'max') else None
                    n2, _ = self.pick(v.cols, types)
                    if not n2:
                        fn, args = 'count', [None]
                    else:
                        args = [col(n2)]
                r = rng.random()
                if r < 0.4:
                    frame = None
                elif settled and r < 0.7:
                    frame = self.frame(rows_only=True)
                else:
                    lo, hi = sorted(rng.sample([('up',), ('cr',), ('uf',)], 2), key=bound_pos)
                    frame = ['range', lo, hi]
            elif fn == 'ntile':
                args, frame = [lit('int', rng.choice((1, 2, 3, 7, 100)))], None
            elif fn in ('lag', 'lead'):
                args = [col(n)]
                if rng.random() < 0.6:
                    args.append(lit('int', rng.choice((0, 1, 2, 5))))
                    if rng.random() < 0.5:
                        args.append(self.litnode(ci, name=n))
                frame = None
            elif fn in ('first_value', 'last_value', 'nth_value'):
                args = [col(n)] + ([lit('int', rng.choice((1, 2, 3)))] if fn == 'nth_value' else [])
                frame = self.frame(rows_only=True)
            else:
                args, frame = [], None
            fns.append([name, fn, args, frame])
        a = {'input': cur, 'functions': fns}
        if parts:
            a['partition_by'] = parts
        if ords:
            a['order_by'] = ords
        return 'window', a

    def gen_pipe(self, pname, last):
        rng = self.rng
        self.an.begin(pname)
        self.pipe = Pipe(pname)
        self.sn = 0
        got = None
        for _ in range(6):
            op, a, plan = self.mk_scan()
            try:
                got = self.add(op, **a)
                break
            except Invalid:
                continue
        if got is None:
            t = self.prog.tables[0]
            got = self.add('scan', table=t.name)
            plan = None
        chain = [got]
        if plan:
            if rng.random() < 0.5:
                got = self.try_add(lambda: self.mk_filter(chain[-1][0], chain[-1][1]))
                if got:
                    chain.append(got)
            got = self.try_add(lambda: self.mk_hash_join(chain[-1][0], chain[-1][1], forced=plan))
            if got:
                chain.append(got)
        elif rng.random() < 0.6:
            got = self.try_add(lambda: self.mk_filter(chain[-1][0], chain[-1][1]))
            if got:
                chain.append(got)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            cur, v = chain[-1]
            r = rng.random()
            if r < 0.3:
                mk = lambda: self.mk_filter(cur, v)
            elif r < 0.5:
                mk = lambda: self.mk_project(cur, v)
            elif r < 0.8:
                mk = lambda: self.mk_hash_join(cur, v)
            else:
                mk = lambda: self.mk_merge_join(cur, v)
            got = self.try_add(mk)
            if got:
                chain.append(got)
        rels = [c for c in chain if not c[1].bloom]
        if last:
            r = rng.random()
            out = None
            if rels and r < 0.1:
                cur, v = rels[-1]
                out = self.try_add(lambda: ('limit', {'input': cur, 'count': rng.choice((0, 1, 2, 5, 20, 100, 5000)),
                                                      **({'offset': rng.choice((0, 1, 3, 50))} if rng.random() < 0.4 else {})}))
            elif rels and r < 0.6:
                cur, v = rels[-1]
                mk = rng.choice((lambda: self.mk_group(cur, v), lambda: self.mk_sort(cur, v),
                                 lambda: self.mk_window(cur, v),
                                 lambda: ('aggregate', {'input': cur, 'aggs': self.mk_aggs(v.cols, 4)})))
                out = self.try_add(mk)
            if out is None:
                out = chain[-1] if not chain[-1][1].bloom else None
            if out is not None:
                self.prog.outputs.append([pname, out[0], None])
        else:
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                if not rels:
                    break
                cur, v = rels[-1] if rng.random() < 0.7 else rng.choice(rels)
                r = rng.random()
                if r < 0.4:
                    def mk():
                        ks = self.keyish(v.cols)
                        keys = rng.sample(ks, min(len(ks), rng.choice((1, 1, 1, 2))))
                        others = [n for n in v.cols if n not in keys]
                        a = {'input': cur, 'key': keys}
                        if rng.random() < 0.85:
                            a['value'] = [n for n in others if rng.random() < 0.5]
                        return 'build_hash', a
                    got = self.try_add(mk)
                    if got and rng.random() < 0.4:
                        self.try_add(lambda: ('build_bloom', {'input': cur, 'key': got[1].keys[0][0]}))
                elif r < 0.65:
                    self.try_add(lambda: ('aggregate', {'input': cur, 'aggs': self.mk_aggs(v.cols, 4)}))
                elif r < 0.8:
                    self.try_add(lambda: self.mk_group(cur, v))
                elif r < 0.9:
                    self.try_add(lambda: self.mk_sort(cur, v))
                else:
                    self.try_add(lambda: self.mk_window(cur, v))
        self.an.end()
        self.prog.pipes.append(self.pipe)

    def build(self):
        rng = self.rng
        npipes = wchoice(rng, [(1, 1), (2, 3), (3, 3), (4, 2), (5, 1)])
        for k in range(npipes):
            self.gen_pipe('p%d' % (k + 1), k == npipes - 1)
        # sometimes more outputs: earlier relations and tuples
        cands = [ref for ref, v in self.an.vals.items() if v.kind in ('rel', 'tuple') and not getattr(v, 'bloom', None)]
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            if cands:
                ref = rng.choice(cands)
                p, t = ref.split('.')
                if [p, t, None] not in self.prog.outputs:
                    self.prog.outputs.append([p, t, None])
        for o in self.prog.outputs:
            if rng.random() < 0.15:
                o[2] = self.fresh('out')


def gen_program(seed, index):
    rng = random.Random('%s/%d' % (seed, index))
    prog = Program()
    for k in range(rng.choice((2, 2, 3, 3, 4))):
        prog.tables.append(gen_table(rng, 't' + 'abcd'[k], table_rows(rng)))
    g = Gen(rng, prog)
    g.build()
    prog.batch = [rng.choice((0, 0, 0, 1, 3, 64, 100, 1000)) for _ in range(6)]
    return prog, g.con


# ------------------------------------------------------------------ oracle

class SqlTooBig(Exception):
    pass


def simple_case(f):
    """Unicode simple case mapping, as tir's upper/lower (C.UTF-8's towupper):
    sqlite3's own map ASCII only; a character whose full mapping is several
    (ß) stays."""
    return lambda s: None if s is None else ''.join(m if len(m := f(c)) == 1 else c for c in s)


def sqlite_db(prog, names):
    con = sqlite3.connect(':memory:')
    con.execute('PRAGMA case_sensitive_like = ON')
    con.create_function('upper', 1, simple_case(str.upper), deterministic=True)
    con.create_function('lower', 1, simple_case(str.lower), deterministic=True)
    for name in names:
        t = prog.table(name)
        con.execute('CREATE TABLE %s (%s, "_rn" INTEGER)' % (
            qi(name), ', '.join('%s %s' % (qi(c.name), SQLTYPE[c.type]) for c in t.cols)))
        con.executemany('INSERT INTO %s VALUES (%s)' % (qi(name), ', '.join('?' * (len(t.cols) + 1))),
                        [[sql_value(v, c.type) for v, c in zip(r, t.cols)] + [i] for i, r in enumerate(t.rows)])
    return con


def run_sql(con, sql, max_rows=30000, max_steps=40000):
    steps = [0]

    def progress():
        steps[0] += 1
        return 1 if steps[0] > max_steps else 0
    con.set_progress_handler(progress, 1000)
    try:
        cur = con.execute(sql)
        rows = cur.fetchmany(max_rows + 1)
    except sqlite3.OperationalError as e:
        if 'interrupted' in str(e):
            raise SqlTooBig('sqlite needs too long')
        raise
    finally:
        con.set_progress_handler(None, 0)
    if len(rows) > max_rows:
        raise SqlTooBig('result too big')
    return rows


def canon(v, t, rounded=True):
    if v is None:
        return None
    if t == BOOL:
        return bool(v)
    if t == F64:
        f = float(v)
        if f == 0:
            return 0.0
        if math.isnan(f) or math.isinf(f):
            return repr(f)
        return float('%.9g' % f) if rounded else f
    if t in INTS and isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def close_row(r, s, tol):
    for x, y, t in zip(r, s, tol):
        if x == y:
            continue
        if t and isinstance(x, float) and isinstance(y, float) and math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9):
            continue
        return False
    return True


def ms_diff(T, S, tol):
    """Rows of T not in S and rows of S not in T (multisets; floats of the columns
    `tol` marks with a tolerance)."""
    ct, cs = Counter(T), Counter(S)
    a, b = list((ct - cs).elements()), list((cs - ct).elements())
    if not a or not b or len(a) > 3000 or not any(tol):
        return a, b
    left = []
    for r in a:
        for j, s in enumerate(b):
            if close_row(r, s, tol):
                del b[j]
                break
        else:
            left.append(r)
    return left, b


def show_rows(rows, n=8):
    out = [repr(r) for r in rows[:n]]
    if len(rows) > n:
        out.append('... %d more' % (len(rows) - n))
    return out


def compare(spec, got, sqlrows):
    """None when tir's output `got` (a JSON object) is right, else a list of lines saying why."""
    names = [c['name'] for c in got['columns']]
    want = [n for n, _ in spec.cols]
    if got.get('name') != spec.name:
        return ['output named %r, expected %r' % (got.get('name'), spec.name)]
    if names != want:
        return ['columns %r, expected %r' % (names, want)]
    types = [c['type'] for c in got['columns']]
    wt = [ci.type for _, ci in spec.cols]
    if types != wt:
        return ['column types %r, expected %r' % (types, wt)]
    for j, c in enumerate(got['columns']):
        if not c['nullable'] and any(r[j] is None for r in got['rows']):
            return ['NULL in column %s, which tir types as not nullable' % c['name']]
    rnd = [ci.inexact for _, ci in spec.cols]
    T = [tuple(canon(v, t, x) for v, t, x in zip(r, wt, rnd)) for r in got['rows']]
    nv = len(wt)
    S = [tuple(canon(v, t, x) for v, t, x in zip(r[:nv], wt, rnd)) for r in sqlrows]
    if spec.mode == 'bag':
        a, b = ms_diff(T, S, rnd)
        if a or b:
            return (['%d rows, sqlite3 %d' % (len(T), len(S))] +
                    (['rows only tir has:'] + show_rows(a) if a else []) +
                    (['rows only sqlite3 has:'] + show_rows(b) if b else []))
        return None
    cnt, off = spec.window or (None, 0)
    lo = min(off, len(S))
    hi = len(S) if cnt is None else min(len(S), off + cnt)
    if len(T) != hi - lo:
        return ['%d rows, expected %d (of %d, window %r)' % (len(T), hi - lo, len(S), spec.window)]
    if spec.mode == 'subset':
        a, _ = ms_diff(T, S, rnd)
        if a:
            return ['rows tir has that are not in the result before the limit:'] + show_rows(a)
        return None
    keys = [tuple(canon(v, F64) if isinstance(v, float) else v for v in r[nv:]) for r in sqlrows]
    i = 0
    while i < len(S):
        j = i
        while j < len(S) and keys[j] == keys[i]:
            j += 1
        a, b = max(i, lo), min(j, hi)
        if a < b:
            trows, srows = T[a - lo:b - lo], S[i:j]
            x, y = ms_diff(trows, srows, rnd)
            if x or (a, b) == (i, j) and y:
                return (['rows %d..%d (sort keys %r) differ; tir has:' % (a - lo, b - lo - 1, keys[i])] + show_rows(trows) +
                        ['sqlite3 has (the whole group of equal keys, %d rows):' % (j - i)] + show_rows(srows))
        i = j
    return None


# ------------------------------------------------------------------ runner

CONFIGS = [('csv', 1, False), ('csv', 2, False), ('nat', 1, False), ('nat', 2, False), ('nat', 1, True), ('nat', 2, True)]


def cfg_name(k, batch):
    src, th, np_ = CONFIGS[k]
    return '%s --threads %d%s%s' % (src, th, ' --no-prune' if np_ else '', (' --batch-size %d' % batch) if batch else '')


def norm_err(s):
    import re
    s = s.strip().splitlines()[0] if s.strip() else ''
    s = re.sub(r'\S+\.(tir|csv|tirt):\d+(:\d+)?', 'F', s)
    s = re.sub(r"'[^']*'", "'X'", s)
    s = re.sub(r'\d+', 'N', s)
    return s


class Failure:
    def __init__(self, kind, cfg, lines, sig):
        self.kind, self.cfg, self.lines, self.sig = kind, cfg, lines, sig


class Runner:
    def __init__(self, tirrun, timeout=60):
        self.tirrun = os.path.abspath(tirrun)
        self.timeout = timeout

    def prepare(self, prog, an, d):
        """Writes the tables and programs into d; returns a Failure if an import fails."""
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        for name in an.used:
            t = prog.table(name)
            write_csv(t, os.path.join(d, name + '.csv'))
            cmd = [self.tirrun, 'import', '--schema', t.decl(), '--block-rows', str(t.block_rows)]
            if t.sort:
                cmd += ['--sort-by', t.sort[0] + (' desc' if t.sort[1] else '')]
            if t.bloom:
                cmd += ['--bloom', ','.join(t.bloom)]
            cmd += [name + '.csv', name + '.tirt']
            try:
                p = subprocess.run(cmd, cwd=d, capture_output=True, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                return Failure('timeout', None, ['import of %s timed out' % name], ('timeout', 'import'))
            if p.returncode != 0:
                err = p.stderr.decode('utf-8', 'replace')
                kind = 'crash' if p.returncode < 0 else 'import'
                return Failure(kind, None, ['tirrun import failed (status %d): %s' % (p.returncode, err.strip())],
                               (kind, p.returncode if p.returncode < 0 else norm_err(err)))
        with open(os.path.join(d, 'prog_csv.tir'), 'w') as f:
            f.write(an.tir_text(False))
        with open(os.path.join(d, 'prog_native.tir'), 'w') as f:
            f.write(an.tir_text(True))
        return None

    def run(self, d, k, batch):
        src, th, noprune = CONFIGS[k]
        cmd = [self.tirrun, '--format', 'json', '--threads', str(th)]
        if noprune:
            cmd.append('--no-prune')
        if batch:
            cmd += ['--batch-size', str(batch)]
        cmd.append('prog_csv.tir' if src == 'csv' else 'prog_native.tir')
        try:
            p = subprocess.run(cmd, cwd=d, capture_output=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return None, Failure('timeout', k, ['timed out after %d s' % self.timeout], ('timeout',))
        err = p.stderr.decode('utf-8', 'replace')
        if p.returncode < 0:
            return None, Failure('crash', k, ['killed by signal %d' % -p.returncode, err[-2000:]], ('crash', p.returncode))
        if p.returncode != 0:
            kind = 'compile error' if p.returncode == 2 else 'runtime error'
            return None, Failure(kind, k, ['exit status %d' % p.returncode] + err.strip().splitlines()[-12:],
                                 (kind, norm_err(err.split('error:', 1)[-1] if 'error:' in err else err)))
        try:
            out = json.loads(p.stdout.decode('utf-8'))
        except ValueError as e:
            return None, Failure('bad output', k, ['output is not JSON: %s' % e], ('bad output',))
        if isinstance(out, dict):
            out = [out]
        return out, None


def check(runner, prog, d, configs=None, expected=None, con=None):
    """Runs prog; returns (Failure or None, analyzer, expected). Raises Invalid / SqlTooBig
    when the program cannot be checked."""
    an = Analyzer(prog).run()
    if expected is None:
        con = con or sqlite_db(prog, an.used)
        expected = [run_sql(con, an.sql_text(o)) for o in an.outs]
    f = runner.prepare(prog, an, d)
    if f:
        return f, an, expected
    for k in (configs if configs is not None else range(len(CONFIGS))):
        outs, f = runner.run(d, k, prog.batch[k])
        if f:
            return f, an, expected
        if len(outs) != len(an.outs):
            return Failure('mismatch', k, ['%d outputs, expected %d' % (len(outs), len(an.outs))], ('mismatch',)), an, expected
        for o, got, exp in zip(an.outs, outs, expected):
            why = compare(o, got, exp)
            if why:
                return Failure('mismatch', k, ['output %s (%s): ' % (o.name, o.mode) + why[0]] + why[1:],
                               ('mismatch',)), an, expected
    return None, an, expected


# ---------------------------------------------------------------- shrinker

def clone(prog):
    """A copy of prog whose parts can be changed; table rows are shared (replace, never mutate, them)."""
    p = Program()
    for t in prog.tables:
        u = copy.copy(t)
        u.cols = copy.deepcopy(t.cols)
        u.bloom = list(t.bloom)
        p.tables.append(u)
    p.pipes = copy.deepcopy(prog.pipes)
    p.outputs = copy.deepcopy(prog.outputs)
    p.batch = list(prog.batch)
    return p


def expr_slots(s):
    a = s.a
    out = []
    if s.op == 'filter':
        out.append(('expr',))
    elif s.op == 'project':
        out += [('columns', i, 1) for i in range(len(a['columns']))]
    elif s.op in ('aggregate', 'hash_group_by'):
        out += [('aggs', i, 2) for i in range(len(a['aggs'])) if a['aggs'][i][2] is not None]
        out += [('keyexprs', i, 1) for i in range(len(a.get('keyexprs') or []))]
    elif s.op == 'hash_join':
        out += [('key', i) for i in range(len(a['key']))]
    elif s.op == 'sort':
        out += [('by', i, 0) for i in range(len(a['by']))]
    elif s.op == 'window':
        out += [('partition_by', i) for i in range(len(a.get('partition_by') or []))]
        out += [('order_by', i, 0) for i in range(len(a.get('order_by') or []))]
    return out


def pget(a, path):
    for k in path:
        a = a[k]
    return a


def pset(a, path, v):
    for k in path[:-1]:
        a = a[k]
    a[path[-1]] = v


def node_paths(e, path=()):
    yield path, e
    for i, k in enumerate(e.k):
        yield from node_paths(k, path + (i,))


def replace_node(e, path, new):
    if not path:
        return new
    e = copy.deepcopy(e)
    n = e
    for i in path[:-1]:
        n = n.k[i]
    n.k[path[-1]] = new
    return e


BOOLISH = ('not', 'isnull', 'in', 'like')


def candidates(prog):
    """(description, change) pairs; change(p) edits a clone p of prog in place."""
    def drop_output(i):
        def f(p):
            del p.outputs[i]
        return f
    for i in range(len(prog.outputs)):
        if len(prog.outputs) > 1:
            yield 'drop output %d' % i, drop_output(i)

    def drop_pipe(i):
        def f(p):
            name = p.pipes[i].name
            del p.pipes[i]
            p.outputs = [o for o in p.outputs if o[0] != name]
        return f
    for i in reversed(range(len(prog.pipes))):
        yield 'drop pipeline %s' % prog.pipes[i].name, drop_pipe(i)

    def drop_stmt(pi, si):
        def f(p):
            pipe = p.pipes[pi]
            s = pipe.stmts[si]
            repl = s.a.get('input')
            for t in pipe.stmts[si + 1:]:
                if t.a.get('input') == s.target:
                    t.a['input'] = repl
            for o in p.outputs:
                if o[0] == pipe.name and o[1] == s.target:
                    o[1] = repl
            p.outputs = [o for o in p.outputs if o[1] is not None]
            del pipe.stmts[si]
        return f
    for pi, pipe in enumerate(prog.pipes):
        for si in reversed(range(1, len(pipe.stmts))):
            yield 'drop %s.%s' % (pipe.name, pipe.stmts[si].target), drop_stmt(pi, si)

    # the data: big chunks of rows first
    for ti, t in enumerate(prog.tables):
        n = len(t.rows)
        chunk = n // 2
        while chunk >= max(1, n // 16) and chunk > 0:
            for start in range(0, n, chunk):
                def f(p, ti=ti, start=start, chunk=chunk):
                    u = p.tables[ti]
                    u.rows = u.rows[:start] + u.rows[start + chunk:]
                yield 'drop rows %d..%d of %s' % (start, start + chunk - 1, t.name), f
            chunk //= 2

    # arguments
    def setarg(pi, si, key, val):
        def f(p):
            a = p.pipes[pi].stmts[si].a
            if val is None:
                a.pop(key, None)
            else:
                a[key] = val
        return f

    def dropitem(pi, si, key, i):
        def f(p):
            del p.pipes[pi].stmts[si].a[key][i]
        return f
    for pi, pipe in enumerate(prog.pipes):
        for si, s in enumerate(pipe.stmts):
            a = s.a
            for key in ('projection', 'columns' if s.op == 'scan' else None, 'limit', 'offset', 'mapform'):
                if key and a.get(key) is not None:
                    yield 'drop %s of %s.%s' % (key, pipe.name, s.target), setarg(pi, si, key, None)
            if 'proj' in a and a['proj'] is not None:
                yield 'default projection of %s.%s' % (pipe.name, s.target), setarg(pi, si, 'proj', None)
            if a.get('kind') not in (None, 'inner'):
                yield 'inner %s.%s' % (pipe.name, s.target), setarg(pi, si, 'kind', None)
            for key in ('minmaxes', 'blooms', 'columns', 'aggs', 'group_by', 'keyexprs', 'by', 'value', 'proj', 'projection', 'key',
                        'functions', 'partition_by', 'order_by'):
                lst = a.get(key)
                if isinstance(lst, list) and (len(lst) > 1 or key in ('minmaxes', 'blooms', 'value', 'partition_by', 'order_by')):
                    for i in range(len(lst)):
                        yield 'drop %s[%d] of %s.%s' % (key, i, pipe.name, s.target), dropitem(pi, si, key, i)

    # expressions
    def setexpr(pi, si, slot, path, new):
        def f(p):
            a = p.pipes[pi].stmts[si].a
            pset(a, slot, replace_node(pget(a, slot), path, new))
        return f
    for pi, pipe in enumerate(prog.pipes):
        for si, s in enumerate(pipe.stmts):
            for slot in expr_slots(s):
                root = pget(s.a, slot)
                for path, n in node_paths(root):
                    for k in n.k:
                        yield 'subexpression', setexpr(pi, si, slot, path, k)
                    if n.op in BOOLISH or n.op == 'bin' and n.val in CMP_OPS + ('&&', '||'):
                        yield 'true', setexpr(pi, si, slot, path, lit('bool', True))
                        yield 'false', setexpr(pi, si, slot, path, lit('bool', False))
                    if n.op == 'in' and len(n.val[0]) > 1:
                        for i in range(len(n.val[0])):
                            m = copy.deepcopy(n)
                            del m.val[0][i]
                            yield 'in item', setexpr(pi, si, slot, path, m)

    # table columns and options, single rows, batch sizes
    for ti, t in enumerate(prog.tables):
        for ci in range(len(t.cols)):
            def f(p, ti=ti, ci=ci):
                u = p.tables[ti]
                name = u.cols[ci].name
                del u.cols[ci]
                u.rows = [r[:ci] + r[ci + 1:] for r in u.rows]
                u.bloom = [b for b in u.bloom if b != name]
                if u.sort and u.sort[0] == name:
                    u.sort = None
            yield 'drop column %d of %s' % (ci, t.name), f
        if t.bloom:
            yield 'no bloom in %s' % t.name, (lambda p, ti=ti: setattr(p.tables[ti], 'bloom', []))
        if not t.native_block:
            yield 'native block %s' % t.name, (lambda p, ti=ti: setattr(p.tables[ti], 'native_block', True))
        if len(t.rows) <= 300:
            for i in range(len(t.rows)):
                def f(p, ti=ti, i=i):
                    u = p.tables[ti]
                    u.rows = u.rows[:i] + u.rows[i + 1:]
                yield 'drop row %d of %s' % (i, t.name), f
    for k in range(len(prog.batch)):
        if prog.batch[k]:
            yield 'default batch size', (lambda p, k=k: p.batch.__setitem__(k, 0))


def shrink(runner, prog, fail, d, budget, log=None):
    """Smallest program found in `budget` seconds that still fails like `fail`."""
    deadline = time.time() + budget
    cfgs = [fail.cfg] if fail.cfg is not None else [0]
    reps = 3 if fail.cfg is not None and CONFIGS[fail.cfg][1] > 1 else 1
    tests = [0]

    def still_fails(p):
        tests[0] += 1
        try:
            for _ in range(reps):
                f, _, _ = check(runner, p, d, configs=cfgs)
                if f and f.sig == fail.sig:
                    return f
        except (Invalid, SqlTooBig, sqlite3.Error, RecursionError):
            return None
        return None
    best, bestf = prog, fail
    progress = True
    while progress and time.time() < deadline:
        progress = False
        for desc, change in candidates(best):
            if time.time() > deadline:
                break
            p = clone(best)
            try:
                change(p)
            except (IndexError, KeyError, TypeError, AttributeError):
                continue
            f = still_fails(p)
            if f:
                best, bestf, progress = p, f, True
                if log:
                    log(desc)
                break
    return best, bestf, tests[0]


def size_of(prog):
    return (sum(len(p.stmts) for p in prog.pipes), sum(len(t.rows) for t in prog.tables if True))


def write_repro(runner, prog, fail, outdir, name, header):
    """Writes the reproducer: programs, data, SQL, both engines' outputs, a README."""
    d = os.path.join(outdir, name)
    an = Analyzer(prog).run()
    runner.prepare(prog, an, d)
    os.remove(os.path.join(d, 'prog_csv.tir'))
    os.remove(os.path.join(d, 'prog_native.tir'))
    with open(os.path.join(d, name + '.tir'), 'w') as f:
        f.write(an.tir_text(False))
    with open(os.path.join(d, name + '_native.tir'), 'w') as f:
        f.write(an.tir_text(True))
    for fn in os.listdir(d):
        if '.tirt' in fn:
            os.remove(os.path.join(d, fn))
    # sqlite3 script: tables and the queries
    lines = ['PRAGMA case_sensitive_like = ON;']
    for tn in an.used:
        t = prog.table(tn)
        lines.append('CREATE TABLE %s (%s, "_rn" INTEGER);' % (
            qi(tn), ', '.join('%s %s' % (qi(c.name), SQLTYPE[c.type]) for c in t.cols)))
        for i, r in enumerate(t.rows):
            vals = []
            for v, c in zip(r, t.cols):
                v = sql_value(v, c.type)
                vals.append('NULL' if v is None else sql_str(v) if isinstance(v, str) else repr(v))
            lines.append('INSERT INTO %s VALUES (%s, %d);' % (qi(tn), ', '.join(vals), i))
    lines.append('.headers on')
    lines.append('.mode csv')
    con = sqlite_db(prog, an.used)
    exp = []
    for o in an.outs:
        lines.append('-- output %s (%s%s)' % (o.name, o.mode, (', window %r' % (o.window,)) if o.window else ''))
        lines.append(an.sql_text(o))
        exp.append(run_sql(con, an.sql_text(o), max_rows=10**7, max_steps=10**7))
    with open(os.path.join(d, name + '.sql'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(os.path.join(d, 'sqlite3.out'), 'w') as f:
        for o, rows in zip(an.outs, exp):
            f.write('%s\n' % o.name)
            for r in rows:
                f.write(json.dumps(list(r), ensure_ascii=False) + '\n')
    # the failing runs, every configuration
    runner.prepare(prog, an, os.path.join(d, '.run'))
    rd = os.path.join(d, '.run')
    res = []
    for k in range(len(CONFIGS)):
        src, th, np_ = CONFIGS[k]
        cmd = [runner.tirrun, '--format', 'json', '--threads', str(th)] + (['--no-prune'] if np_ else []) + \
            (['--batch-size', str(prog.batch[k])] if prog.batch[k] else []) + \
            ['prog_csv.tir' if src == 'csv' else 'prog_native.tir']
        try:
            p = subprocess.run(cmd, cwd=rd, capture_output=True, timeout=runner.timeout)
            out = p.stdout.decode('utf-8', 'replace') + p.stderr.decode('utf-8', 'replace')
            st = p.returncode
        except subprocess.TimeoutExpired:
            out, st = 'timeout\n', 'timeout'
        outs, f = runner.run(rd, k, prog.batch[k])
        verdict = f.kind if f else 'ok'
        if not f:
            for o, got, e in zip(an.outs, outs, exp):
                why = compare(o, got, e)
                if why:
                    verdict = 'mismatch: ' + why[0]
                    break
        res.append('%s: %s' % (cfg_name(k, prog.batch[k]), verdict))
        fn = 'tirrun.%s-t%d%s.out' % (src, th, '-noprune' if np_ else '')
        with open(os.path.join(d, fn), 'w') as f2:
            f2.write('$ %s\n(exit status %s)\n%s' % (' '.join(cmd[1:]), st, out))
    shutil.rmtree(rd)
    imports = []
    for tn in an.used:
        t = prog.table(tn)
        cmd = ['tirrun', 'import', '--schema', "'%s'" % t.decl(), '--block-rows', str(t.block_rows)]
        if t.sort:
            cmd += ['--sort-by', "'%s'" % (t.sort[0] + (' desc' if t.sort[1] else ''))]
        if t.bloom:
            cmd += ['--bloom', ','.join(t.bloom)]
        imports.append(' '.join(cmd + [tn + '.csv', tn + '.tirt']))
    with open(os.path.join(d, 'README.txt'), 'w') as f:
        f.write(header + '\n\n')
        f.write('Failure (%s): %s\n' % (fail.kind, cfg_name(fail.cfg, prog.batch[fail.cfg]) if fail.cfg is not None else 'import'))
        f.write(''.join('  %s\n' % l for l in fail.lines))
        f.write('\nEvery configuration on this program:\n' + ''.join('  %s\n' % r for r in res))
        f.write('\nFiles: %s.tir reads the CSV tables, %s_native.tir the native ones, made by\n' % (name, name))
        f.write(''.join('  %s\n' % c for c in imports))
        f.write('%s.sql builds the same tables in sqlite3 and runs the SQL of each output\n' % name)
        f.write('(sqlite3 < %s.sql); sqlite3.out holds its rows, tirrun.*.out what tir printed.\n' % name)
        f.write('Outputs are compared as multisets ("bag"), in order with tie groups as multisets\n'
                '("ordered": the SQL selects the sort keys last), or by count and inclusion ("subset").\n')
    return d


# -------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description='random tir programs against sqlite3')
    ap.add_argument('--tirrun', required=True)
    ap.add_argument('--count', type=int, default=100, help='programs per seed')
    ap.add_argument('--seed', action='append',
                    help="seed, or SEED:COUNT (repeatable); 'random' picks one and prints it")
    ap.add_argument('--out', default='fuzzprog-out', help='directory for shrunk reproducers')
    ap.add_argument('--time-budget', type=float, default=0, help='stop starting programs after this many seconds')
    ap.add_argument('--shrink-time', type=float, default=120, help='seconds to shrink each failure')
    ap.add_argument('--start', type=int, default=0, help='first program index')
    ap.add_argument('--stats', help='write the figures (features, counts) as JSON to this file')
    ap.add_argument('--keep', action='store_true', help='keep the work directory')
    ap.add_argument('--summary-comment', action='store_true', help="print the last line as a TAP comment")
    args = ap.parse_args(argv)
    seeds = []
    for sd in args.seed or ['1']:
        sd, _, cnt = sd.partition(':')
        cnt = int(cnt) if cnt else args.count
        if sd == 'random':
            sd = str(int.from_bytes(os.urandom(4), 'little'))
            print('# random seed %s (reproduce with --seed %s --count %d)' % (sd, sd, cnt), flush=True)
        seeds.append((sd, cnt))
    runner = Runner(args.tirrun)
    work = tempfile.mkdtemp(prefix='fuzzprog.')
    t0 = time.time()
    n = passed = failed = skipped = sqlerrors = 0
    feats = Counter()
    kinds = Counter()
    rows = Counter()
    fails = []
    seen = {}
    try:
        for sd, cnt in seeds:
            i, done = args.start, 0
            while done < cnt:
                if args.time_budget and time.time() - t0 > args.time_budget:
                    print('# time budget of %g s reached' % args.time_budget, flush=True)
                    break
                idx = i
                i += 1
                try:
                    prog, con = gen_program(sd, idx)
                    f, an, exp = check(runner, prog, os.path.join(work, 'run'), con=con)
                except (Invalid, SqlTooBig):
                    skipped += 1
                    continue
                except sqlite3.Error as e:      # a generator bug: say so, go on
                    print('# program %d of seed %s: sqlite3 error %s' % (idx, sd, e), flush=True)
                    sqlerrors += 1
                    continue
                done += 1
                n += 1
                feats.update(an.feats)
                for o, e in zip(an.outs, exp):
                    kinds[o.mode] += 1
                    rows['empty' if not e else 'one' if len(e) == 1 else 'many'] += 1
                desc = 'seed %s program %d (%d tables, %d pipelines, %d statements)' % (
                    sd, idx, len(an.used), len(prog.pipes), sum(len(p.stmts) for p in prog.pipes))
                if f is None:
                    passed += 1
                    print('ok %d - %s' % (n, desc), flush=True)
                    continue
                failed += 1
                print('not ok %d - %s' % (n, desc))
                print('# %s with %s' % (f.kind, cfg_name(f.cfg, prog.batch[f.cfg]) if f.cfg is not None else 'import'))
                for l in f.lines[:20]:
                    print('#   ' + l)
                sys.stdout.flush()
                if f.kind != 'mismatch' and f.sig in seen:
                    print('# the same failure as %s (not shrunk again)' % seen[f.sig], flush=True)
                    fails.append((sd, idx, f.kind, seen[f.sig]))
                    continue
                small, sf, tests = shrink(runner, prog, f, os.path.join(work, 'shrink'), args.shrink_time)
                name = 'seed%s-%d' % (sd, idx)
                header = ('fuzzprog.py --seed %s --start %d --count 1 (program %d of seed %s), shrunk from %d '
                          'statements and %d rows to %d and %d in %d tests' % (
                              sd, idx, idx, sd, *size_of(prog), *size_of(small), tests))
                try:
                    path = write_repro(runner, small, sf, args.out, name, header)
                except Exception as e:      # the failure itself is reported above
                    path = 'could not write the reproducer: %r' % e
                print('# shrunk to %d statements, %d rows: %s' % (*size_of(small), path))
                seen[f.sig] = path
                for l in sf.lines[:12]:
                    print('#   ' + l)
                sys.stdout.flush()
                fails.append((sd, idx, f.kind, path))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    el = time.time() - t0
    print('1..%d' % n)
    print('# %d programs (%d more generated but not checkable) in %.0f s; outputs: %s; rows: %s' % (
        n, skipped, el, dict(kinds), dict(rows)))
    print('# features used (programs): ' + ', '.join('%s %d' % kv for kv in sorted(feats.items())))
    if args.stats:
        with open(args.stats, 'w') as f:
            json.dump({'seeds': ['%s:%d' % x for x in seeds], 'programs': n, 'passed': passed, 'failed': failed, 'skipped': skipped,
                       'sqlite_errors': sqlerrors,
                       'seconds': el, 'outputs': kinds, 'rows': rows, 'features': feats,
                       'failures': fails}, f, indent=1, sort_keys=True)
    line = '%d passed, %d failed' % (passed, failed)
    print(('# ' + line) if args.summary_comment else line)
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
