// decimal_duckdb.mjs — differential test of decimal(p, s) against DuckDB
// (sqlite3 has no decimals), as TAP.
//
//   node decimal_duckdb.mjs TIRRUN SRCDIR
//
// Generates a CSV with decimal columns (NULLs, negatives, values at the
// precision limit, ties at the rounding digit), runs each tir program and
// the matching SQL in DuckDB, and compares the rows as multisets of text,
// exactly for decimals (DuckDB's CAST(d AS VARCHAR) prints the scale's digits,
// as tirrun does); f64 columns (avg, division) to 1e-12 relative.
// DuckDB is @duckdb/node-api in SRCDIR/bench/node_modules (`cd bench && npm ci`);
// when it cannot be loaded the test fails saying so.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { loadDuckdb, generator, runCases } from './duckdb_diff.mjs';

const [tirrun, srcdir] = process.argv.slice(2).map((p) => resolve(p));
const duckdb = await loadDuckdb(srcdir);
const rnd = generator();
function dec(intDigits, scale) {   // a random decimal as text, sometimes at the limit
  const r = rnd();
  const lim = '9'.repeat(intDigits) + (scale ? '.' + '9'.repeat(scale) : '');
  if (r < 0.02) return lim;
  if (r < 0.04) return '-' + lim;
  const i = Math.floor(rnd() * 10 ** Math.min(intDigits, 6));
  let f = '';
  for (let k = 0; k < scale; k++) f += Math.floor(rnd() * 10);
  return (rnd() < 0.3 ? '-' : '') + i + (scale ? '.' + f : '');
}
// A decimal(38,6) as text: 1 to 32 integer digits (so values near 10^31 and
// the 38-digit limit), negatives, sometimes a 7th fraction digit to round.
function wide() {
  const r = rnd();
  if (r < 0.02) return '9'.repeat(32) + '.999999';
  if (r < 0.04) return '-' + '9'.repeat(32) + '.999999';
  let i = String(1 + Math.floor(rnd() * 9));
  for (let k = Math.floor(rnd() * 32); k > 0; k--) i += Math.floor(rnd() * 10);
  let f = '';
  for (let k = 0; k < 6; k++) f += Math.floor(rnd() * 10);
  const t = rnd();   // ties of round(x) and round(x, 2), and whole numbers
  if (t < 0.05) f = '500000';
  else if (t < 0.1) f = f.slice(0, 2) + '5000';
  else if (t < 0.13) f = '000000';
  else if (rnd() < 0.3 && !i.startsWith('9999')) f += Math.floor(rnd() * 10);
  return (rnd() < 0.4 ? '-' : '') + i + '.' + f;
}
// Keys of decimal(38,0) from a pool: zero, ±1, both sides of 2^63 and 2^64
// (where the high word of the two's complement changes), 38 digits of
// either sign, and random 20 to 38 digit values; a generator of their own,
// so the other columns stay as they were.
const rk = generator(0x2545f491);
const KPOOL = ['0', '1', '-1', '9223372036854775807', '9223372036854775808', '-9223372036854775808',
  '-9223372036854775809', '18446744073709551615', '18446744073709551616', '-18446744073709551616',
  '-18446744073709551617', '9'.repeat(38), '-' + '9'.repeat(38), '1' + '0'.repeat(37), '-1' + '0'.repeat(37),
  '12345678901234567890123456789012345678', '-12345678901234567890123456789012345678'];
while (KPOOL.length < 30) {
  let d = String(1 + Math.floor(rk() * 9));
  for (let k = 19 + Math.floor(rk() * 19); k > 0; k--) d += Math.floor(rk() * 10);
  KPOOL.push((rk() < 0.5 ? '-' : '') + d);
}
const dir = mkdtempSync(join(tmpdir(), 'dec-duck-'));
const rows = ['id,grp,price,disc,qty,extra,big,bk'];
const N = 20000;
for (let id = 1; id <= N; id++) {
  const price = rnd() < 0.1 ? '' : dec(13, 2);               // decimal(15,2)
  const disc = rnd() < 0.1 ? '' : '0.' + String(Math.floor(rnd() * 11)).padStart(2, '0');   // decimal(3,2)
  const qty = rnd() < 0.1 ? '' : String(Math.floor(rnd() * 50) - 5);
  let extra = rnd() < 0.1 ? '' : dec(4, 4);   // decimal(8,4); a 5th digit rounds (not at the limit)
  if (extra && !extra.includes('9999.9999') && rnd() < 0.5) extra += '5';
  const big = rnd() < 0.1 ? '' : wide();
  const bk = rk() < 0.1 ? '' : KPOOL[Math.floor(rk() * KPOOL.length)];
  rows.push(`${id},g${Math.floor(rnd() * 7)},${price},${disc},${qty},${extra},${big},${bk}`);
}
const csv = join(dir, 'd.csv');
writeFileSync(csv, rows.join('\n') + '\n');

const SCHEMA = 'id: i32, grp: string, price: decimal(15,2) nullable, disc: decimal(3,2) nullable, ' +
  'qty: i32 nullable, extra: decimal(8,4) nullable, big: decimal(38,6) nullable';
// The same rows as a native table sorted by disc, in small blocks: min/max
// statistics of decimals prune blocks (checked below with --profile).
const native = join(dir, 'd.tirt');
execFileSync(tirrun, ['import', '--schema', SCHEMA, '--sort-by', 'disc', '--block-rows', '1024', csv, native],
  { stdio: ['ignore', 'ignore', 'pipe'] });
// The CSV table also has the wide key column bk (the native table leaves it out).
const TABLES = [`t: Table = read_csv("${csv}") { ${SCHEMA}, bk: decimal(38,0) nullable }\n`,
  `t: Table = read_table("${native}")\n`];
const scan = 's = table_scan :table = t :columns = ["id", "grp", "price", "disc", "qty", "extra"]';
// A hash table of the first 300 rows by their wide key bk.
const wideBuild = 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "big", "bk"]\n' +
  ' f = filter :input = s :expr = $in.id <= 300 :projection = ["id", "big", "bk"]\n' +
  ' v = project :input = f :columns = { "rid": $in.id, "rbig": $in.big, "rk": $in.bk }\n' +
  ' h = build_hash :input = v :key = ["rk"] :value = ["rid", "rbig"]\n bb = build_bloom :input = v :key = ["rk"] }\n';
const CASES = [
  { name: 'wide decimal(38,6): read exactly (rounding the 7th digit) and printed',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "big"] }\noutput p.s',
    sql: 'SELECT id, big::VARCHAR FROM t' },
  { name: 'wide decimal(38,6) kept through a filter and a projection',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "qty", "big"]\n' +
      ' f = filter :input = s :expr = $in.qty > 20 :projection = ["id", "big"]\n' +
      ' v = project :input = f :columns = { "b": $in.big, "n": $in.big is null, "id": $in.id } }\noutput p.v',
    sql: 'SELECT big::VARCHAR, big IS NULL, id FROM t WHERE qty > 20' },
  { name: 'wide decimal casts: to scale 2 and 0 (halves away from zero), string, f64; narrow and integers to wide',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "price", "qty", "big"]\n' +
      ' v = project :input = s :columns = { "id": $in.id, "b2": cast($in.big as decimal(38,2)), ' +
      '"b0": cast($in.big as decimal(37,0)), "s": cast($in.big as string), "f": cast($in.big as f64), ' +
      '"p": cast($in.price as decimal(30,4)), "q": cast($in.qty as decimal(25,2)), ' +
      '"bs": cast(cast($in.big as string) as decimal(38,6)) } }\noutput p.v',
    sql: 'SELECT id, big::DECIMAL(38,2)::VARCHAR, big::DECIMAL(37,0)::VARCHAR, big::VARCHAR, big::DOUBLE, ' +
      'price::DECIMAL(30,4)::VARCHAR, qty::DECIMAL(25,2)::VARCHAR, big::VARCHAR FROM t',
    float: [4] },
  { name: 'wide decimal(38,6) compared in a filter with wide, narrow, integer and literal operands',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "price", "qty", "big"]\n' +
      ' f = filter :input = s :expr = ($in.big > $in.price && $in.big <= 123456789012.5) || $in.big == $in.qty || ' +
      '-$in.big >= 99999999999999999 || $in.big in [0, 1.5] :projection = ["id", "big"] }\noutput p.f',
    sql: 'SELECT id, big::VARCHAR FROM t WHERE (big > price AND big <= 123456789012.5) OR big = qty OR ' +
      '-big >= 99999999999999999 OR big IN (0, 1.5)' },
  { name: 'number literals of more than 17 digits are the decimals written (a double would lose digits): compared with wide and narrow decimals, in lists',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "price", "big"]\n' +
      ' v = project :input = s :columns = { "id": $in.id, "a": $in.big >= -12345678901234567890.123456, ' +
      '"b": $in.big < 1234567890123456789012.000001, "c": $in.price > 1234567890.1234567891, ' +
      '"d": $in.big in [99999999999999999999999999999999.999999, 12345678901234567890.123456], ' +
      '"e": $in.big between -99999999999999999999.000001 and 10000000000000000000.5 } }\noutput p.v',
    sql: 'SELECT id, big >= -12345678901234567890.123456, big < 1234567890123456789012.000001, ' +
      'price > 1234567890.1234567891, big IN (99999999999999999999999999999999.999999, 12345678901234567890.123456), ' +
      'big BETWEEN -99999999999999999999.000001 AND 10000000000000000000.5 FROM t' },
  { name: 'wide decimal(38,6) comparisons as values (NULLs included)',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "price", "qty", "big"]\n' +
      ' v = project :input = s :columns = { "id": $in.id, "a": $in.big < $in.price, "b": $in.qty != $in.big, ' +
      '"c": $in.big >= -5000.25, "d": $in.big == $in.big } }\noutput p.v',
    sql: 'SELECT id, big < price, qty <> big, big >= -5000.25, big = big FROM t' },
  { name: 'wide decimal(38,6) + - * with decimal(15,2), integers and literals; unary -, abs, / (f64)',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "price", "qty", "big"]\n' +
      ' f = filter :input = s :expr = abs($in.big) < 10000000000000 :projection = ["id", "price", "qty", "big"]\n' +
      ' v = project :input = f :columns = { "id": $in.id, "s": $in.big + $in.price, "d": $in.price - $in.big, ' +
      '"m": $in.big * $in.price, "q": $in.big * $in.qty, "l": $in.big * 2.5 - 0.125, "n": -$in.big, "a": abs($in.big), ' +
      '"bb": $in.big * $in.big, "x": $in.big / $in.price } }\noutput p.v',
    sql: 'SELECT id, (big + price)::VARCHAR, (price - big)::VARCHAR, (big * price)::VARCHAR, (big * qty)::VARCHAR, ' +
      '(big * 2.5 - 0.125)::VARCHAR, (-big)::VARCHAR, abs(big)::VARCHAR, (big * big)::VARCHAR, ' +
      'big::DOUBLE / nullif(price, 0)::DOUBLE FROM t WHERE abs(big) < 10000000000000',
    float: [9] },
  { name: 'wide decimal(38,6) aggregated per group: sum (exact), min, max, count, avg, a sum of an expression',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "grp", "qty", "big"]\n' +
      ' f = filter :input = s :expr = abs($in.big) < cast(1 as decimal(38,6)) * 1000000000000 * 1000000000000 ' +
      ':projection = ["grp", "qty", "big"]\n' +
      ' g = hash_group_by :input = f :group_by = ["grp", "qty"] :aggregates = { "s": sum($in.big), "mn": min($in.big), ' +
      '"mx": max($in.big), "n": count($in.big), "a": avg($in.big), "s2": sum($in.big * 2 - $in.qty) } }\noutput p.g',
    sql: 'SELECT grp, qty, sum(big)::VARCHAR, min(big)::VARCHAR, max(big)::VARCHAR, count(big), avg(big), ' +
      'sum(big * 2 - qty)::VARCHAR FROM t WHERE abs(big) < 1000000000000000000000000 GROUP BY grp, qty',
    float: [6] },
  { name: 'wide decimal(38,6) aggregated over all rows',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["big"]\n' +
      ' f = filter :input = s :expr = abs($in.big) < cast(1 as decimal(38,6)) * 1000000000000 * 1000000000000 ' +
      ':projection = ["big"]\n' +
      ' r = aggregate :input = f :aggregates = { "s": sum($in.big), "mn": min($in.big), "mx": max($in.big), ' +
      '"n": count(*), "a": avg($in.big) } }\noutput p.r',
    sql: 'SELECT sum(big)::VARCHAR, min(big)::VARCHAR, max(big)::VARCHAR, count(*), avg(big) FROM t ' +
      'WHERE abs(big) < 1000000000000000000000000',
    float: [4] },
  { name: 'wide decimal group keys: negatives, 38 digits, the NULL key one group', csvOnly: true,
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "qty", "big", "bk"]\n' +
      ' g = hash_group_by :input = s :group_by = ["bk"] :aggregates = { "n": count(*), "q": sum($in.qty), ' +
      '"mx": max($in.big), "lo": min($in.bk) } }\noutput p.g',
    sql: 'SELECT bk::VARCHAR, count(*), sum(qty), max(big)::VARCHAR, min(bk)::VARCHAR FROM t GROUP BY bk' },
  { name: 'wide decimal group keys beside a string, spilled on 2 threads', csvOnly: true, spill: true,
    args: ['--force-spill', '--threads', '2'],
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "grp", "big", "bk"]\n' +
      ' g = hash_group_by :input = s :group_by = ["grp", "bk"] :aggregates = { "n": count(*), "i": min($in.id) } }\n' +
      'output p.g',
    sql: 'SELECT grp, bk::VARCHAR, count(*), min(id) FROM t GROUP BY grp, bk' },
  { name: 'count(distinct) of wide decimals', csvOnly: true,
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["grp", "big", "bk"]\n' +
      ' g = hash_group_by :input = s :group_by = ["grp"] :aggregates = { "k": count(distinct $in.bk), ' +
      '"b": count(distinct $in.big), "n": count(*) } }\noutput p.g',
    sql: 'SELECT grp, count(DISTINCT bk), count(DISTINCT big), count(*) FROM t GROUP BY grp' },
  { name: 'count(distinct) of a wide decimal over all rows', csvOnly: true,
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["bk"]\n' +
      ' a = aggregate :input = s :aggregates = { "k": count(distinct $in.bk), "n": count($in.bk) } }\noutput p.a',
    sql: 'SELECT count(DISTINCT bk), count(bk) FROM t' },
  { name: 'sort by a wide decimal desc nulls first (two\'s complement order), then id', csvOnly: true, ordered: true,
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "bk"]\n' +
      ' o = sort :input = s :by = [$in.bk desc nulls first, $in.id] }\noutput p.o',
    sql: 'SELECT id, bk::VARCHAR FROM t ORDER BY bk DESC NULLS FIRST, id' },
  { name: 'sort by wide decimals asc nulls last, spilled', csvOnly: true, ordered: true, spill: true,
    args: ['--force-spill'],
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "big", "bk"]\n' +
      ' o = sort :input = s :by = [$in.bk nulls last, $in.big desc nulls last, $in.id] }\noutput p.o',
    sql: 'SELECT id, big::VARCHAR, bk::VARCHAR FROM t ORDER BY bk NULLS LAST, big DESC NULLS LAST, id' },
  { name: 'top-N by a wide decimal (limit, offset)', csvOnly: true, ordered: true,
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "big", "bk"]\n' +
      ' o = sort :input = s :by = [$in.big nulls first, $in.id] :limit = 70 :offset = 1900 }\noutput p.o',
    sql: 'SELECT id, big::VARCHAR, bk::VARCHAR FROM t ORDER BY big NULLS FIRST, id LIMIT 70 OFFSET 1900' },
  { name: 'window partitioned and ordered by wide decimals', csvOnly: true,
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "bk"]\n' +
      ' w = window :input = s :partition_by = [$in.bk] :order_by = [$in.id] :functions = { "rn": row_number() } }\n' +
      'q: Pipeline = { s = table_scan :table = p.w\n' +
      ' r = window :input = s :order_by = [$in.bk desc nulls last] :functions = { "rk": rank() } }\noutput q.r',
    sql: 'SELECT id, bk::VARCHAR, row_number() OVER (PARTITION BY bk ORDER BY id), ' +
      'rank() OVER (ORDER BY bk DESC NULLS LAST) FROM t' },
  { name: 'window min, max, sum and avg of wide decimals over running, sliding and whole-partition frames', csvOnly: true,
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "grp", "big", "bk"]\n' +
      ' f = filter :input = s :expr = $in.big is null || abs($in.big) < cast(1 as decimal(38,6)) * 1000000000000 * 1000000000000\n' +
      ' w = window :input = f :partition_by = [$in.grp] :order_by = [$in.id] :functions = { "mn": min($in.bk), ' +
      '"mx": max($in.big) rows between 3 preceding and 1 following, "mn2": min($in.big) rows between 2 following and ' +
      'unbounded following, "mxp": max($in.bk) rows between unbounded preceding and unbounded following, ' +
      '"s": sum($in.big) rows between 2 preceding and current row, "a": avg($in.big) rows between 5 preceding and 5 following } }\n' +
      'output p.w',
    sql: 'SELECT id, grp, big::VARCHAR, bk::VARCHAR, min(bk) OVER (PARTITION BY grp ORDER BY id)::VARCHAR, ' +
      'max(big) OVER (PARTITION BY grp ORDER BY id ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING)::VARCHAR, ' +
      'min(big) OVER (PARTITION BY grp ORDER BY id ROWS BETWEEN 2 FOLLOWING AND UNBOUNDED FOLLOWING)::VARCHAR, ' +
      'max(bk) OVER (PARTITION BY grp)::VARCHAR, ' +
      'sum(big) OVER (PARTITION BY grp ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)::VARCHAR, ' +
      'avg(big) OVER (PARTITION BY grp ORDER BY id ROWS BETWEEN 5 PRECEDING AND 5 FOLLOWING) FROM t ' +
      'WHERE big IS NULL OR abs(big) < 1000000000000000000000000',
    float: [9] },
  { name: 'var_samp, var_pop, stddev_samp, stddev_pop of wide decimals (as doubles) per group', csvOnly: true,
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["grp", "qty", "big", "bk"]\n' +
      ' g = hash_group_by :input = s :group_by = ["grp", "qty"] :aggregates = { "vs": var_samp($in.big), ' +
      '"vp": var_pop($in.big), "ss": stddev_samp($in.bk), "sp": stddev_pop($in.bk) } }\noutput p.g',
    sql: 'SELECT grp, qty, var_samp(big), var_pop(big), stddev_samp(bk), stddev_pop(bk) FROM t GROUP BY grp, qty',
    float: [2, 3, 4, 5] },
  { name: 'var_samp and stddev_pop of wide decimals over all rows', csvOnly: true,
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["big", "bk"]\n' +
      ' a = aggregate :input = s :aggregates = { "vs": var_samp($in.bk), "sp": stddev_pop($in.big) } }\noutput p.a',
    sql: 'SELECT var_samp(bk), stddev_pop(big) FROM t',
    float: [0, 1] },
  { name: 'hash_join on a wide decimal key (the build\'s wide value carried out)', csvOnly: true,
    tir: wideBuild + 'q: Pipeline = { s = table_scan :table = t :columns = ["id", "bk"]\n' +
      ' f = filter :input = s :expr = $in.id <= 4000 :projection = ["id", "bk"]\n' +
      ' j = hash_join :input = f :ht = p.h :key = [$in.bk] :projection = [$in.id, $ht.rid, $ht.rbig] }\noutput q.j',
    sql: 'SELECT a.id, b.id, b.big::VARCHAR FROM t a JOIN t b ON a.bk = b.bk WHERE a.id <= 4000 AND b.id <= 300' },
  { name: 'merge_join on a wide decimal key (sorted both sides, desc), wide values from both', csvOnly: true,
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "big", "bk"]\n' +
      ' f = filter :input = s :expr = $in.id <= 300\n o = sort :input = f :by = [$in.bk desc nulls last, $in.id] }\n' +
      'q: Pipeline = { s = table_scan :table = t :columns = ["id", "bk"]\n' +
      ' f = filter :input = s :expr = $in.id <= 4000\n o = sort :input = f :by = [$in.bk desc] }\n' +
      'r: Pipeline = { l = table_scan :table = q.o\n' +
      ' m = merge_join :input = l :right = p.o :key = [$in.bk] :right_key = ["bk"] :kind = left ' +
      ':projection = { "id": $in.id, "bk": $in.bk, "rid": $right.id, "rbig": $right.big } }\noutput r.m',
    sql: 'SELECT a.id, a.bk::VARCHAR, b.id, b.big::VARCHAR FROM (SELECT * FROM t WHERE id <= 4000) a LEFT JOIN ' +
      '(SELECT * FROM t WHERE id <= 300) b ON a.bk = b.bk' },
  { name: 'a scan filtered by a bloom filter of wide decimal keys, then hash_join', csvOnly: true,
    tir: wideBuild + 'q: Pipeline = { s = table_scan :table = t :columns = ["id", "bk"] :blooms = { "bk": p.bb }\n' +
      ' j = hash_join :input = s :ht = p.h :key = [$in.bk] :projection = [$in.id, $ht.rid, $in.bk] }\noutput q.j',
    sql: 'SELECT a.id, b.id, a.bk::VARCHAR FROM t a JOIN t b ON a.bk = b.bk WHERE b.id <= 300' },
  { name: 'left hash_join of an i32 probe key on a wide decimal key (widened), spilled', csvOnly: true, spill: true,
    args: ['--force-spill'],
    tir: wideBuild + 'q: Pipeline = { s = table_scan :table = t :columns = ["id", "qty"]\n' +
      ' f = filter :input = s :expr = $in.id <= 4000 :projection = ["id", "qty"]\n' +
      ' j = hash_join :input = f :ht = p.h :key = [$in.qty] :kind = left :projection = [$in.id, $ht.rid, $in.qty] }\n' +
      'output q.j',
    sql: 'SELECT a.id, b.id, a.qty FROM t a LEFT JOIN (SELECT * FROM t WHERE id <= 300) b ' +
      'ON a.qty = b.bk WHERE a.id <= 4000' },
  { name: 'wide decimal(38,6) round (ties away from zero), floor, ceil, trunc, sign, % (DuckDB\'s result scales)',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "price", "qty", "big"]\n' +
      ' v = project :input = s :columns = { "id": $in.id, "r": round($in.big), "r2": round($in.big, 2), ' +
      '"r9": round($in.big, 9), "rm": round($in.big, -3), "f": floor($in.big), "c": ceil($in.big), ' +
      '"t": trunc($in.big), "s": sign($in.big), "m": $in.big % $in.price, "mq": $in.big % $in.qty, ' +
      '"m7": $in.big % 7.5 } }\noutput p.v',
    sql: 'SELECT id, round(big)::VARCHAR, round(big, 2)::VARCHAR, round(big, 9)::VARCHAR, round(big, -3)::VARCHAR, ' +
      'floor(big)::VARCHAR, ceil(big)::VARCHAR, trunc(big)::VARCHAR, sign(big), (big % nullif(price, 0))::VARCHAR, ' +
      '(big % nullif(qty, 0))::VARCHAR, (big % 7.5)::VARCHAR FROM t' },
  { name: 'wide decimal(38,6) greatest, least, nullif (the first argument\'s type), coalesce with narrow, integer and literal arguments',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "price", "qty", "big"]\n' +
      ' v = project :input = s :columns = { "id": $in.id, "g": greatest($in.big, $in.price, $in.qty), ' +
      '"l": least($in.big, -1.5, $in.price), "n": nullif(trunc($in.big), $in.big), "n2": nullif($in.big, $in.price), "n3": nullif($in.price, $in.big), ' +
      '"c": coalesce($in.big, $in.price, 0) } }\noutput p.v',
    sql: 'SELECT id, greatest(big, price, qty)::VARCHAR, least(big, -1.5, price)::VARCHAR, ' +
      'nullif(trunc(big), big)::VARCHAR, nullif(big, price)::VARCHAR, nullif(price, big)::VARCHAR, ' +
      'coalesce(big, price, 0)::VARCHAR FROM t' },
  { name: 'wide decimal(38,6) in lists of literals (38 digits by string casts), not in, and a string literal cast',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "qty", "big"]\n' +
      ' f = filter :input = s :expr = $in.big in [cast("99999999999999999999999999999999.999999" as decimal(38,6)), ' +
      '0, 1.5, -2] || ($in.big not in [cast("-99999999999999999999999999999999.999999" as decimal(38,6))] && ' +
      '$in.big > cast("123456789012345678901234567.5" as decimal(38,1)) && $in.qty > 30) :projection = ["id", "big"]\n' +
      ' v = project :input = f :columns = { "id": $in.id, "b": $in.big, "k": cast("-0.000001" as decimal(20,6)) } }' +
      '\noutput p.v',
    sql: "SELECT id, big::VARCHAR, '-0.000001' FROM t WHERE big IN (99999999999999999999999999999999.999999, 0, 1.5, -2) " +
      'OR (big NOT IN (-99999999999999999999999999999999.999999) AND big > 123456789012345678901234567.5 AND qty > 30)' },
  { name: 'load and print',
    tir: `p: Pipeline = { ${scan} }\noutput p.s`,
    sql: 'SELECT id, grp, price::VARCHAR, disc::VARCHAR, qty, extra::VARCHAR FROM t' },
  { name: 'arithmetic with result types',
    tir: `p: Pipeline = { ${scan}\n v = project :input = s :columns = { "id": $in.id, ` +
      `"net": $in.price * (1 - $in.disc), "sum": $in.disc + $in.extra, "diff": $in.extra - $in.disc - 0.5, ` +
      `"neg": -$in.extra, "q": $in.disc * $in.qty, "m": $in.extra % $in.disc, "d": $in.extra / $in.disc } }\noutput p.v`,
    sql: 'SELECT id, (price * (1 - disc))::VARCHAR, (disc + extra)::VARCHAR, (extra - disc - 0.5)::VARCHAR, ' +
      '(-extra)::VARCHAR, (disc * qty)::VARCHAR, (extra % disc)::VARCHAR, extra / nullif(disc, 0) FROM t',
    float: [7] },
  { name: 'comparisons across scales and with literals',
    tir: `p: Pipeline = { ${scan}\n f = filter :input = s :expr = $in.extra > $in.disc && $in.price >= -100.5 ` +
      `&& $in.disc != 0.05 :projection = ["id", "price"] }\noutput p.f`,
    sql: 'SELECT id, price::VARCHAR FROM t WHERE extra > disc AND price >= -100.5 AND disc <> 0.05' },
  { name: 'casts (rounding half away from zero)',
    tir: `p: Pipeline = { ${scan}\n v = project :input = s :columns = { "id": $in.id, ` +
      `"r": cast($in.extra as decimal(7,2)), "i": cast($in.extra as i32), "l": cast($in.price as i64), ` +
      `"s": cast($in.extra as string), "f": cast($in.disc as f64), "w": cast($in.qty as decimal(12,3)) } }\noutput p.v`,
    sql: 'SELECT id, extra::DECIMAL(7,2)::VARCHAR, extra::INTEGER, price::BIGINT, extra::VARCHAR, disc::DOUBLE, ' +
      'qty::DECIMAL(12,3)::VARCHAR FROM t',
    float: [5] },
  { name: 'round, floor, ceil, trunc, abs and sign stay exact (DuckDB\'s result scales)',
    tir: `p: Pipeline = { ${scan}\n v = project :input = s :columns = { "id": $in.id, ` +
      `"f": floor($in.extra), "c": ceil($in.extra), "t": trunc($in.price), "tn": trunc($in.extra), ` +
      `"r": round($in.extra), "r2": round($in.extra, 2), "r1": round($in.price, 1), "r6": round($in.extra, 6), ` +
      `"rm": round($in.price, -2), "rq": round($in.qty * 1.0, -1), "a": abs($in.extra), "s": sign($in.price), ` +
      `"fd": floor($in.disc - 0.05) } }\noutput p.v`,
    sql: 'SELECT id, floor(extra)::VARCHAR, ceil(extra)::VARCHAR, trunc(price)::VARCHAR, trunc(extra)::VARCHAR, ' +
      'round(extra)::VARCHAR, round(extra, 2)::VARCHAR, round(price, 1)::VARCHAR, round(extra, 6)::VARCHAR, ' +
      'round(price, -2)::VARCHAR, round(qty * 1.0, -1)::VARCHAR, abs(extra)::VARCHAR, sign(price), ' +
      'floor(disc - 0.05)::VARCHAR FROM t' },
  { name: 'grouped exact sums, min, max, count, avg',
    tir: `p: Pipeline = { ${scan}\n g = hash_group_by :input = s :group_by = ["grp"] :aggregates = { ` +
      `"sp": sum($in.price), "se": sum($in.extra), "mn": min($in.extra), "mx": max($in.price), ` +
      `"n": count($in.price), "a": avg($in.extra) } }\noutput p.g`,
    sql: 'SELECT grp, sum(price)::DECIMAL(18,2)::VARCHAR, sum(extra)::DECIMAL(18,4)::VARCHAR, min(extra)::VARCHAR, ' +
      'max(price)::VARCHAR, count(price), avg(extra) FROM t GROUP BY grp',
    float: [6] },
  { name: 'pruned scan of a native table (blocks skipped by decimal min/max)', native: true,
    tir: `p: Pipeline = { ${scan}\n f = filter :input = s :expr = $in.disc >= 0.09 :projection = ["id", "disc", "extra"] }\n` +
      'output p.f',
    sql: 'SELECT id, disc::VARCHAR, extra::VARCHAR FROM t WHERE disc >= 0.09' },
  { name: 'decimal group and join keys',
    tir: `p: Pipeline = { ${scan}\n g = hash_group_by :input = s :group_by = ["disc"] :aggregates = { ` +
      `"n": count(*), "s": sum($in.extra) }\n h = build_hash :input = s :key = ["disc"] :value = ["id"] }\n` +
      `q: Pipeline = { s = table_scan :table = p.g :columns = ["disc", "n", "s"]\n ` +
      `j = hash_join :input = s :ht = p.h :key = [$in.disc] :projection = [$in.disc, $ht.id, $in.s] }\noutput q.j`,
    sql: 'WITH g AS (SELECT disc, count(*) n, sum(extra) s FROM t GROUP BY disc) ' +
      'SELECT g.disc::VARCHAR, t.id, g.s::DECIMAL(18,4)::VARCHAR FROM g JOIN t ON g.disc = t.disc' },
];

const inst = await duckdb.DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`CREATE TABLE t AS SELECT * FROM read_csv('${csv}', header = true, columns = {'id': 'INTEGER', ` +
  `'grp': 'VARCHAR', 'price': 'DECIMAL(15,2)', 'disc': 'DECIMAL(3,2)', 'qty': 'INTEGER', 'extra': 'DECIMAL(8,4)', ` +
  `'big': 'DECIMAL(38,6)', 'bk': 'DECIMAL(38,0)'})`);
const failed = await runCases({ tirrun, dir, con, tables: TABLES, cases: CASES });
rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
