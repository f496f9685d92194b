// timestamp_duckdb.mjs — differential test of the timestamp type against
// DuckDB (sqlite3 has none), as TAP.
//
//   node timestamp_duckdb.mjs TIRRUN SRCDIR
//
// Generates a CSV of timestamps and dates with NULLs and edge values (month
// ends, leap days, before 1970, the ends of years 0001-9999, every number of
// fraction digits, 'T' or space between date and time, minutes without
// seconds), and intervals (NULLs, values equal once normalized), and
// compares each tir program with the matching SQL (duckdb_diff.mjs), on the
// CSV and on a native table sorted by ts whose min/max statistics prune
// blocks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { loadDuckdb, generator, runCases } from './duckdb_diff.mjs';

const [tirrun, srcdir] = process.argv.slice(2).map((p) => resolve(p));
const duckdb = await loadDuckdb(srcdir);
const rnd = generator();
const int = (n) => Math.floor(rnd() * n);
const pad = (v, n = 2) => String(v).padStart(n, '0');
const leap = (y) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const mdays = (y, m) => [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];

function day() {   // [y, m, d]: month ends, leap days, before 1970 and the far ends of the range
  const r = rnd();
  if (r < 0.01) return [1, 1, 1];
  if (r < 0.02) return [9999, 12, 31];
  const y = r < 0.3 ? 1900 + int(70) : r < 0.35 ? 1 + int(1800) : 1970 + int(80);
  const m = 1 + int(12);
  const ly = Math.max(4, y - (y % 4));   // a leap day, or Feb 28 of a century that is not leap
  if (rnd() < 0.15) return [ly, 2, leap(ly) ? 29 : 28];
  return [y, m, rnd() < 0.25 ? mdays(y, m) : 1 + int(mdays(y, m))];
}
function stamp() {
  const [y, m, d] = day();
  const date = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
  const r = rnd();
  if (r < 0.05) return date;                                       // midnight
  const sep = rnd() < 0.2 ? 'T' : ' ';
  const end = rnd() < 0.1;                                         // the day's last microsecond
  const hms = end ? '23:59:59' : `${pad(int(24))}:${pad(int(60))}:${pad(int(60))}`;
  if (!end && r < 0.1) return `${date}${sep}${hms.slice(0, 5)}`;   // no seconds
  const digits = end ? 6 : int(7);
  let frac = '';
  for (let k = 0; k < digits; k++) frac += end ? '9' : String(int(10));
  return `${date}${sep}${hms}${digits ? '.' + frac : ''}`;
}

// Interval keys, from a generator of their own (the other columns stay as
// they were). iv: small parts that DuckDB often calls equal in another
// form ('1 month' = '30 days' = '29 days 24 hours', '1 day' = '24 hours'),
// and ones it does not ('1 month -1 day' vs '29 days'); printed through
// epoch, which equal intervals share. jv: a pool of normalized intervals
// (days within a month, micros within a day), no two equal, printed as is.
const ri = generator(0x68e31da4);
const pick = (a) => a[Math.floor(ri() * a.length)];
const DAY = 86400000000;
function collide() {
  const m = pick([-1, 0, 0, 1, 1, 2]), d = pick([-30, -1, 0, 0, 1, 29, 30, 31, 60]);
  const us = pick([0, 0, DAY, -DAY, 3600000000, 12 * 3600000000, -7, 5 * DAY + 1]);
  return `${m} months ${d} days ${us} microseconds`;
}
const JPOOL = [];
while (JPOOL.length < 40) {
  const sg = ri() < 0.4 ? -1 : 1;
  const v = [sg * Math.floor(ri() * 30), sg * Math.floor(ri() * 30), sg * Math.floor(ri() * DAY)];
  if (!JPOOL.some((w) => w.join() === v.join())) JPOOL.push(v);
}

// tv, an interval as text: NULL, values equal once normalized (1 month, 30
// days, 720 hours), or months, days and a time of day of either sign.
const IVS = ['1 month', '30 days', '720:00:00', '1 day', '24:00:00', '-1 month', '00:00:00',
  '1 year 2 months -3 days 04:05:06.5'];
function ival() {
  const r = rnd();
  if (r < 0.1) return '';
  if (r < 0.4) return IVS[int(IVS.length)];
  const t = `${rnd() < 0.3 ? '-' : ''}${pad(int(48))}:${pad(int(60))}:${pad(int(60))}.${pad(int(1000000), 6)}`;
  return `${int(30) - 15} months ${int(60) - 30} days ${t}`;
}

const dir = mkdtempSync(join(tmpdir(), 'ts-duck-'));
const rows = ['id,grp,ts,d,u,iv,jv,tv'];
const N = 20000;
const pool = [];
for (let id = 1; id <= N; id++) {
  // repeated values make group and join keys with several rows
  const ts = rnd() < 0.1 ? '' : pool.length > 50 && rnd() < 0.2 ? pool[int(pool.length)] : stamp();
  if (ts && pool.length < 500) pool.push(ts);
  const [y, m, d] = day();
  const dt = rnd() < 0.1 ? '' : `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
  const u = rnd() < 0.1 ? '' : stamp();
  const iv = ri() < 0.1 ? '' : collide();
  const j = pick(JPOOL);
  const jv = ri() < 0.1 ? '' : `${j[0]} months ${j[1]} days ${j[2]} microseconds`;
  rows.push(`${id},g${int(7)},${ts},${dt},${u},${iv},${jv},${ival()}`);
}
const csv = join(dir, 't.csv');
writeFileSync(csv, rows.join('\n') + '\n');

const SCHEMA = 'id: i32, grp: string, ts: timestamp nullable, d: date nullable, u: timestamp nullable, ' +
  'tv: interval nullable';
const native = join(dir, 't.tirt');
execFileSync(tirrun, ['import', '--schema', SCHEMA, '--sort-by', 'ts', '--block-rows', '1024', csv, native],
  { stdio: ['ignore', 'ignore', 'pipe'] });
const TABLES = [`t: Table = read_csv("${csv}") { ${SCHEMA}, iv: interval nullable, jv: interval nullable }\n`,
  `t: Table = read_table("${native}")\n`];
const ivScan = 's = table_scan :table = t :columns = ["id", "grp", "iv", "jv"]';
// The 200 first rows' intervals in a hash table.
const ivBuild = `p: Pipeline = { ${ivScan}\n f = filter :input = s :expr = $in.id <= 200 :projection = ["id", "iv", "jv"]\n` +
  ' v = project :input = f :columns = { "rid": $in.id, "riv": $in.iv, "rjv": $in.jv }\n' +
  ' h = build_hash :input = v :key = ["riv"] :value = ["rid", "rjv"]\n' +
  ' h2 = build_hash :input = v :key = ["rjv"] :value = ["rid", "riv"]\n bi = build_bloom :input = v :key = ["riv"] }\n';
// The 200 first rows and the 3000 first, each sorted by iv (o) and by grp, jv desc (g): merge_join's sides.
const mjSides = [['p', 200], ['q', 3000]].map(([n, k]) => `${n}: Pipeline = { ${ivScan}\n` +
  ` f = filter :input = s :expr = $in.id <= ${k}\n o = sort :input = f :by = [$in.iv]\n` +
  ' g = sort :input = f :by = [$in.grp, $in.jv desc] }\n').join('');
const scan = 's = table_scan :table = t :columns = ["id", "grp", "ts", "d", "u"]';
const proj = (cols) => `p: Pipeline = { ${scan}\n v = project :input = s :columns = { "id": $in.id, ${cols} } }\noutput p.v`;
const PARTS = ['year', 'quarter', 'month', 'week', 'day', 'dow', 'isodow', 'doy', 'decade', 'century', 'millennium',
  'isoyear', 'hour', 'minute', 'second', 'millisecond', 'microsecond'];
const TRUNCS = ['year', 'quarter', 'month', 'week', 'day', 'decade', 'century', 'millennium', 'isoyear', 'hour', 'minute',
  'second', 'millisecond', 'microsecond'];
const DIFFS = TRUNCS;
// The parts that count years, of dates and timestamps carried before year 1 (where
// centuries skip 0 and decades truncate toward it).
const YEARS = ['year', 'decade', 'century', 'millennium', 'isoyear'];
const CASES = [
  { name: 'load and print',
    tir: `p: Pipeline = { ${scan} }\noutput p.s`,
    sql: 'SELECT id, grp, ts::VARCHAR, d::VARCHAR, u::VARCHAR FROM t' },
  { name: 'parts (extract, date_part, the part functions) and epoch',
    tir: proj(PARTS.map((p, i) => `"p${i}": ${i % 2 ? `extract(${p} from $in.ts)` : `date_part("${p}", $in.ts)`}`)
      .join(', ') + ', "h": hour($in.u), "ep": epoch($in.ts)'),
    sql: `SELECT id, ${PARTS.map((p) => `date_part('${p}', ts)`).join(', ')}, hour(u), epoch(ts) FROM t`,
    float: [PARTS.length + 2] },
  { name: 'the parts that count years, before year 1 (BC) and of those dates truncated and subtracted',
    tir: proj(YEARS.map((p, i) => `"a${i}": date_part("${p}", $in.d - 800000), "b${i}": extract(${p} from $in.ts - ` +
      `interval "2000 years"), "c${i}": date_trunc("${p}", $in.d - 900000), "e${i}": date_diff("${p}", $in.d - 750000, $in.u)`)
      .join(', ')),
    sql: `SELECT id, ${YEARS.map((p) => `date_part('${p}', d - 800000), date_part('${p}', ts - INTERVAL '2000 years'), ` +
      `date_trunc('${p}', d - 900000)::DATE::VARCHAR, date_diff('${p}', (d - 750000)::TIMESTAMP, u)`).join(', ')} FROM t` },
  { name: 'date_trunc to every part',
    tir: proj(TRUNCS.map((p, i) => `"t${i}": date_trunc("${p}", $in.ts)`).join(', ')),
    sql: `SELECT id, ${TRUNCS.map((p) => `date_trunc('${p}', ts)::VARCHAR`).join(', ')} FROM t` },
  { name: 'date_diff in every part, between timestamps and from a date',
    tir: proj(DIFFS.map((p, i) => `"a${i}": date_diff("${p}", $in.ts, $in.u), "b${i}": date_diff("${p}", $in.d, $in.ts)`).join(', ')),
    sql: `SELECT id, ${DIFFS.map((p) => `date_diff('${p}', ts, u), date_diff('${p}', d::TIMESTAMP, ts)`).join(', ')} FROM t` },
  { name: 'casts: to date and string, from date and string',
    tir: proj('"d": cast($in.ts as date), "m": cast($in.d as timestamp), "s": cast($in.ts as string), ' +
      '"r": cast(cast($in.u as string) as timestamp)'),
    sql: 'SELECT id, ts::DATE::VARCHAR, d::TIMESTAMP::VARCHAR, ts::VARCHAR, u::VARCHAR::TIMESTAMP::VARCHAR FROM t' },
  { name: 'comparisons with literals, dates and timestamps',
    tir: `p: Pipeline = { ${scan}\n f = filter :input = s :expr = ($in.ts >= timestamp "1969-12-31 23:59:59.999999" ` +
      `&& $in.ts < "2024-02-29 12:00") || $in.ts == $in.d || ($in.u > $in.ts && $in.u <= date "1950-01-01") ` +
      ':projection = ["id", "ts"] }\noutput p.f',
    sql: "SELECT id, ts::VARCHAR FROM t WHERE (ts >= TIMESTAMP '1969-12-31 23:59:59.999999' AND ts < TIMESTAMP " +
      "'2024-02-29 12:00') OR ts = d OR (u > ts AND u <= DATE '1950-01-01')" },
  { name: 'grouped min, max, count by a computed day',
    tir: `p: Pipeline = { ${scan}\n g = hash_group_by :input = s :group_by = { "grp": $in.grp, "y": year($in.ts) } ` +
      ':aggregates = { "mn": min($in.ts), "mx": max($in.u), "n": count($in.ts), "all": count(*) } }\noutput p.g',
    sql: 'SELECT grp, year(ts), min(ts)::VARCHAR, max(u)::VARCHAR, count(ts), count(*) FROM t GROUP BY grp, year(ts)' },
  { name: 'timestamp group and join keys',
    tir: `p: Pipeline = { ${scan}\n g = hash_group_by :input = s :group_by = ["ts"] :aggregates = { "n": count(*) }\n` +
      ' h = build_hash :input = s :key = ["ts"] :value = ["id"] }\n' +
      'q: Pipeline = { s = table_scan :table = p.g :columns = ["ts", "n"]\n' +
      ' j = hash_join :input = s :ht = p.h :key = [$in.ts] :projection = [$in.ts, $in.n, $ht.id] }\noutput q.j',
    sql: 'WITH g AS (SELECT ts, count(*) n FROM t GROUP BY ts) SELECT g.ts::VARCHAR, g.n, t.id FROM g JOIN t ON g.ts = t.ts' },
  { name: 'dates and timestamps past 9999 and before year 1 (BC), printed and cast to strings',
    tir: proj('"a": $in.d + 3000000, "b": $in.d - 1000000, "c": cast($in.d - 900000 as string), ' +
      '"e": $in.ts + interval "100000 years", "f": $in.ts - interval "3000 years 5 days", ' +
      '"g": cast($in.ts - interval "2000 years" as string)'),
    sql: "SELECT id, (d + 3000000)::VARCHAR, (d - 1000000)::VARCHAR, (d - 900000)::VARCHAR, " +
      "(ts + INTERVAL '100000 years')::VARCHAR, (ts - INTERVAL '3000 years 5 days')::VARCHAR, " +
      "(ts - INTERVAL '2000 years')::VARCHAR FROM t" },
  { name: 'date and timestamp plus and minus intervals (month ends clamped, leap days)',
    tir: `p: Pipeline = { ${scan}\n f = filter :input = s :expr = $in.ts < "9998-01-01" && $in.d < "9998-01-01" ` +
      '&& $in.ts >= "0003-01-01" && $in.d >= "0003-01-01" ' +
      ':projection = ["id", "ts", "d"]\n v = project :input = f :columns = { "id": $in.id, ' +
      '"a": $in.ts + interval "1 month", "b": $in.d + interval "1 month", "c": $in.ts - interval "1 year 2 days 03:04:05.000006", ' +
      '"e": interval "13 months -40 days" + $in.d, "f": $in.ts + interval "-1 month 25 hours", "g": $in.d - interval "2 weeks 1 microsecond" } }\noutput p.v',
    sql: "SELECT id, (ts + INTERVAL '1 month')::VARCHAR, (d + INTERVAL '1 month')::VARCHAR, " +
      "(ts - INTERVAL '1 year 2 days 03:04:05.000006')::VARCHAR, (INTERVAL '13 months -40 days' + d)::VARCHAR, " +
      "(ts + INTERVAL '-1 month 25 hours')::VARCHAR, (d - INTERVAL '2 weeks 1 microsecond')::VARCHAR " +
      "FROM t WHERE ts < '9998-01-01' AND d < '9998-01-01' AND ts >= '0003-01-01' AND d >= '0003-01-01'" },
  // intervals as values: differences printed, added back, combined, compared in DuckDB's normalized order.
  // (Two expressions that differ only by interval constants DuckDB finds equal, as x + '1 month' and
  // x + '30 days', are one to its optimizer, which then computes only one of them: kept apart.)
  { name: 'timestamp - timestamp is an interval (days and the time left), printed and cast',
    tir: proj('"a": $in.ts - $in.u, "b": $in.u - $in.ts, "c": $in.ts - $in.d, "s": cast($in.u - $in.ts as string), ' +
      '"r": cast(cast($in.ts - $in.u as string) as interval), "n": ($in.ts - $in.u) is null'),
    sql: 'SELECT id, (ts - u)::VARCHAR, (u - ts)::VARCHAR, (ts - d::TIMESTAMP)::VARCHAR, (u - ts)::VARCHAR, ' +
      '(ts - u)::VARCHAR::INTERVAL::VARCHAR, (ts - u) IS NULL FROM t' },
  { name: 'interval values added back to timestamps, and interval arithmetic',
    tir: `p: Pipeline = { ${scan}\n f = filter :input = s :expr = $in.ts < "9990-01-01" && $in.ts >= "0010-01-01" ` +
      ':projection = ["id", "ts", "u"]\n v = project :input = f :columns = { "id": $in.id, ' +
      '"back": $in.u + ($in.ts - $in.u), "fwd": ($in.ts - $in.u) + $in.u, "sub": $in.ts - ($in.ts - $in.u), ' +
      '"m": $in.u + (($in.ts - $in.u) + interval "1 month"), "k": (($in.ts - $in.u) - interval "2 months 3 days") * 3, ' +
      '"neg": -($in.ts - $in.u), "two": 2 * ($in.ts - $in.u) - ($in.u - $in.ts), ' +
      '"lt": $in.ts - (interval "1 month 2 days 03:04:05.000006" * 2) } }\noutput p.v',
    sql: "SELECT id, (u + (ts - u))::VARCHAR, ((ts - u) + u)::VARCHAR, (ts - (ts - u))::VARCHAR, " +
      "(u + ((ts - u) + INTERVAL '1 month'))::VARCHAR, (((ts - u) - INTERVAL '2 months 3 days') * 3)::VARCHAR, " +
      "(-(ts - u))::VARCHAR, (2 * (ts - u) - (u - ts))::VARCHAR, " +
      "(ts - (INTERVAL '1 month 2 days 03:04:05.000006' * 2))::VARCHAR " +
      "FROM t WHERE ts < '9990-01-01' AND ts >= '0010-01-01'" },
  { name: 'interval comparisons: 30 days = 1 month, 24 hours = 1 day, then months, days, micros in turn',
    tir: proj('"a": $in.ts - $in.u < interval "1 month 3 days", "b": $in.ts - $in.u >= interval "12 months -5 days", ' +
      '"c": ($in.ts - $in.u) + interval "1 month" == (($in.ts - $in.u) + interval "10 days") + interval "20 days", ' +
      '"e": ($in.ts - $in.u) + interval "1 month -1 day" > ($in.ts - $in.u) + interval "29 days", ' +
      '"f": ($in.ts - $in.u) + interval "1 day" != (($in.ts - $in.u) + interval "12 hours") + interval "12:00:00", ' +
      '"g": $in.ts - $in.u <= $in.u - $in.ts, "h": ($in.ts - $in.u) * 2 > interval "-400 months"'),
    sql: "SELECT id, ts - u < INTERVAL '1 month 3 days', ts - u >= INTERVAL '12 months -5 days', " +
      "(ts - u) + INTERVAL '1 month' = ((ts - u) + INTERVAL '10 days') + INTERVAL '20 days', " +
      "(ts - u) + INTERVAL '1 month -1 day' > (ts - u) + INTERVAL '29 days', " +
      "(ts - u) + INTERVAL '1 day' <> ((ts - u) + INTERVAL '12 hours') + INTERVAL '12:00:00', ts - u <= u - ts, " +
      "(ts - u) * 2 > INTERVAL '-400 months' FROM t" },
  { name: 'parts and epoch of intervals',
    tir: proj(['year', 'quarter', 'month', 'day', 'hour', 'minute', 'second', 'millisecond', 'microsecond', 'epoch']
      .map((p, i) => `"p${i}": ${i % 2 ? `extract(${p} from $in.ts - $in.u)` : `date_part("${p}", ($in.u - $in.ts) * 3 + interval "-14 months 5 days")`}`)
      .join(', ')),
    sql: 'SELECT id, ' + ['year', 'quarter', 'month', 'day', 'hour', 'minute', 'second', 'millisecond', 'microsecond', 'epoch']
      .map((p, i) => (i % 2 ? `date_part('${p}', ts - u)` : `date_part('${p}', (u - ts) * 3 + INTERVAL '-14 months 5 days')`))
      .join(', ') + ' FROM t',
    float: [10] },
  { name: 'decades, centuries and millennia of intervals, either sign',
    tir: proj('"a": extract(decade from interval "7 months" * $in.id), "b": date_part("century", interval "-13 months" * $in.id), ' +
      '"c": millennium(interval "3 months" * $in.id * $in.id + ($in.ts - $in.u))'),
    sql: "SELECT id, date_part('decade', INTERVAL '7 months' * id), date_part('century', INTERVAL '-13 months' * id), " +
      "millennium(INTERVAL '3 months' * id * id + (ts - u)) FROM t" },
  { name: 'an interval column read (CSV and native table) and printed',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "tv"] }\noutput p.s',
    sql: 'SELECT id, tv::VARCHAR FROM t' },
  { name: 'intervals in lists, coalesce, nullif (equal once normalized: 1 month = 30 days)',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "ts", "u", "tv"]\n' +
      ' v = project :input = s :columns = { "id": $in.id, ' +
      '"i": $in.tv in [interval "1 month", interval "1 day", interval "-3 days 04:00:00"], ' +
      '"n": $in.tv not in [interval "00:00:00", interval "24:00:00"], ' +
      '"c": coalesce($in.tv, $in.ts - $in.u, interval "3 hours"), "z": nullif($in.tv, interval "720:00:00") } }' +
      '\noutput p.v',
    sql: "SELECT id, tv IN (INTERVAL '1 month', INTERVAL '1 day', INTERVAL '-3 days 04:00:00'), " +
      "tv NOT IN (INTERVAL '00:00:00', INTERVAL '24:00:00'), coalesce(tv, ts - u, INTERVAL '3 hours')::VARCHAR, " +
      "nullif(tv, INTERVAL '720:00:00')::VARCHAR FROM t" },
  { name: 'a filter on intervals in a list (the native table too)',
    tir: 'p: Pipeline = { s = table_scan :table = t :columns = ["id", "tv"]\n' +
      ' f = filter :input = s :expr = $in.tv in [interval "1 month", interval "1 day"] || $in.id % 3 == 0 }\noutput p.f',
    sql: "SELECT id, tv::VARCHAR FROM t WHERE tv IN (INTERVAL '1 month', INTERVAL '1 day') OR id % 3 = 0" },
  { name: 'filter on an interval', csvOnly: true,
    tir: `p: Pipeline = { ${scan}\n f = filter :input = s :expr = $in.ts - $in.u > interval "10 years" || ` +
      '($in.u - $in.ts >= interval "1 day" && $in.u - $in.ts <= interval "1 month") :projection = ["id", "ts"] }\noutput p.f',
    sql: "SELECT id, ts::VARCHAR FROM t WHERE ts - u > INTERVAL '10 years' OR u - ts BETWEEN INTERVAL '1 day' AND INTERVAL '1 month'" },
  { name: 'interval group keys: equal intervals in one group (30 days = 1 month), NULL one group', csvOnly: true,
    tir: `p: Pipeline = { ${ivScan}\n g = hash_group_by :input = s :group_by = ["iv"] :aggregates = { "n": count(*), ` +
      '"i": min($in.id), "lo": min($in.jv), "hi": max($in.jv), "k": count(distinct $in.jv) } }\n' +
      'q: Pipeline = { s = table_scan :table = p.g\n v = project :input = s :columns = { "e": epoch($in.iv), ' +
      '"n": $in.n, "i": $in.i, "lo": epoch($in.lo), "hi": epoch($in.hi), "k": $in.k } }\noutput q.v',
    sql: "SELECT date_part('epoch', iv), count(*), min(id), date_part('epoch', min(jv)), date_part('epoch', max(jv)), " +
      'count(DISTINCT jv) FROM t GROUP BY iv',
    float: [0, 3, 4] },
  { name: 'normalized interval keys printed, beside a string key, spilled on 2 threads', csvOnly: true, spill: true,
    args: ['--force-spill', '--threads', '2'],
    tir: `p: Pipeline = { ${ivScan}\n g = hash_group_by :input = s :group_by = ["grp", "jv"] :aggregates = { ` +
      '"n": count(*), "k": count(distinct $in.iv), "c": count($in.iv) } }\noutput p.g',
    sql: 'SELECT grp, jv::VARCHAR, count(*), count(DISTINCT iv), count(iv) FROM t GROUP BY grp, jv' },
  { name: 'min, max, count and count(distinct) of intervals over all rows', csvOnly: true,
    tir: `p: Pipeline = { ${ivScan}\n a = aggregate :input = s :aggregates = { "lo": min($in.jv), "hi": max($in.jv), ` +
      '"n": count($in.iv), "k": count(distinct $in.iv), "e": max($in.iv) - min($in.iv) } }\n' +
      'q: Pipeline = { s = table_scan :table = p.a\n v = project :input = s :columns = { "lo": $in.lo, "hi": $in.hi, ' +
      '"n": $in.n, "k": $in.k, "e": epoch($in.e) } }\noutput q.v',
    sql: "SELECT min(jv)::VARCHAR, max(jv)::VARCHAR, count(iv), count(DISTINCT iv), date_part('epoch', max(iv) - min(iv)) FROM t",
    float: [4] },
  { name: 'sort by intervals in DuckDB\'s order (desc nulls first), then id', csvOnly: true, ordered: true,
    tir: `p: Pipeline = { ${ivScan}\n o = sort :input = s :by = [$in.iv desc nulls first, $in.id] }\noutput p.o`,
    sql: 'SELECT id, grp, iv::VARCHAR, jv::VARCHAR FROM t ORDER BY iv DESC NULLS FIRST, id' },
  { name: 'sort by two interval keys, spilled', csvOnly: true, ordered: true, spill: true, args: ['--force-spill'],
    tir: `p: Pipeline = { ${ivScan}\n o = sort :input = s :by = [$in.jv nulls last, $in.iv desc nulls last, $in.id] }\n` +
      'q: Pipeline = { s = table_scan :table = p.o\n v = project :input = s :columns = { "id": $in.id, "jv": $in.jv, ' +
      '"e": epoch($in.iv) } }\noutput q.v',
    sql: "SELECT id, jv::VARCHAR, date_part('epoch', iv) FROM t ORDER BY jv NULLS LAST, iv DESC NULLS LAST, id",
    float: [2] },
  { name: 'top-N by an interval', csvOnly: true, ordered: true,
    tir: `p: Pipeline = { ${ivScan}\n o = sort :input = s :by = [$in.jv desc, $in.id] :limit = 60 :offset = 3000 }\n` +
      'q: Pipeline = { s = table_scan :table = p.o\n v = project :input = s :columns = { "id": $in.id, "jv": $in.jv } }\n' +
      'output q.v',
    sql: 'SELECT id, jv::VARCHAR FROM t ORDER BY jv DESC NULLS LAST, id LIMIT 60 OFFSET 3000' },
  { name: 'window partitioned by an interval (equal ones together) and ranked by one', csvOnly: true,
    tir: `p: Pipeline = { ${ivScan}\n w = window :input = s :partition_by = [$in.iv] :order_by = [$in.id] ` +
      ':functions = { "rn": row_number() } }\nq: Pipeline = { s = table_scan :table = p.w\n' +
      ' r = window :input = s :order_by = [$in.jv nulls first] :functions = { "rk": dense_rank() } }\noutput q.r',
    sql: 'SELECT id, grp, iv::VARCHAR, jv::VARCHAR, row_number() OVER (PARTITION BY iv ORDER BY id), ' +
      'dense_rank() OVER (ORDER BY jv NULLS FIRST) FROM t' },
  { name: 'window min and max of intervals in DuckDB\'s order, running, sliding and whole-partition frames', csvOnly: true,
    tir: `p: Pipeline = { ${ivScan}\n w = window :input = s :partition_by = [$in.grp] :order_by = [$in.id] :functions = { ` +
      '"a": min($in.jv), "b": max($in.jv) rows between 2 preceding and 2 following, "c": max($in.iv), ' +
      '"d": min($in.iv) rows between 3 preceding and 1 preceding, "e": max($in.jv) rows between unbounded preceding and unbounded following } }\n' +
      'q: Pipeline = { s = table_scan :table = p.w\n v = project :input = s :columns = { "id": $in.id, "a": $in.a, "b": $in.b, ' +
      '"c": epoch($in.c), "d": epoch($in.d), "e": $in.e } }\noutput q.v',
    sql: "SELECT id, (min(jv) OVER (PARTITION BY grp ORDER BY id))::VARCHAR, " +
      "(max(jv) OVER (PARTITION BY grp ORDER BY id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING))::VARCHAR, " +
      "date_part('epoch', max(iv) OVER (PARTITION BY grp ORDER BY id)), " +
      "date_part('epoch', min(iv) OVER (PARTITION BY grp ORDER BY id ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING)), " +
      '(max(jv) OVER (PARTITION BY grp))::VARCHAR FROM t',
    float: [3, 4] },
  { name: 'hash_join on an interval key: equal intervals join', csvOnly: true,
    tir: ivBuild + `q: Pipeline = { ${ivScan}\n f = filter :input = s :expr = $in.id <= 3000 :projection = ["id", "iv"]\n` +
      ' j = hash_join :input = f :ht = p.h :key = [$in.iv] :projection = [$in.id, $ht.rid, $ht.rjv] }\noutput q.j',
    sql: 'SELECT a.id, b.id, b.jv::VARCHAR FROM t a JOIN t b ON a.iv = b.iv WHERE a.id <= 3000 AND b.id <= 200' },
  { name: 'a scan filtered by a bloom filter of intervals (normalized: equal ones pass), then hash_join', csvOnly: true,
    tir: ivBuild + `q: Pipeline = { s = table_scan :table = t :columns = ["id", "iv"] :blooms = { "iv": p.bi }\n` +
      ' j = hash_join :input = s :ht = p.h :key = [$in.iv] :projection = [$in.id, $ht.rid] }\noutput q.j',
    sql: 'SELECT a.id, b.id FROM t a JOIN t b ON a.iv = b.iv WHERE b.id <= 200' },
  { name: 'merge_join on an interval key (equal once normalized meet)', csvOnly: true,
    tir: mjSides + 'r: Pipeline = { l = table_scan :table = q.o\n m = merge_join :input = l :right = p.o :key = [$in.iv] ' +
      ':right_key = ["iv"] :projection = { "id": $in.id, "rid": $right.id, "rjv": $right.jv } }\noutput r.m',
    sql: 'SELECT a.id, b.id, b.jv::VARCHAR FROM t a JOIN t b ON a.iv = b.iv WHERE a.id <= 3000 AND b.id <= 200' },
  { name: 'left merge_join on (string, interval desc) keys', csvOnly: true,
    tir: mjSides + 'r: Pipeline = { l = table_scan :table = q.g\n m = merge_join :input = l :right = p.g :key = [$in.grp, $in.jv] ' +
      ':right_key = ["grp", "jv"] :kind = left :projection = { "id": $in.id, "rid": $right.id } }\noutput r.m',
    sql: 'SELECT a.id, b.id FROM (SELECT * FROM t WHERE id <= 3000) a LEFT JOIN (SELECT * FROM t WHERE id <= 200) b ' +
      'ON a.grp = b.grp AND a.jv = b.jv' },
  { name: 'full hash_join on a normalized interval key, spilled', csvOnly: true, spill: true, args: ['--force-spill'],
    tir: ivBuild + `q: Pipeline = { ${ivScan}\n f = filter :input = s :expr = $in.id > 19000 :projection = ["id", "jv"]\n` +
      ' j = hash_join :input = f :ht = p.h2 :key = [$in.jv] :kind = full :projection = [$in.id, $ht.rid, $in.jv] }\n' +
      'output q.j',
    sql: 'SELECT a.id, b.id, a.jv::VARCHAR FROM (SELECT * FROM t WHERE id > 19000) a FULL JOIN ' +
      '(SELECT * FROM t WHERE id <= 200) b ON a.jv = b.jv' },
  { name: 'pruned scan of a native table (blocks skipped by timestamp min/max)', native: true,
    tir: `p: Pipeline = { ${scan}\n f = filter :input = s :expr = $in.ts >= timestamp "2030-06-30 12:00:00.5" ` +
      ':projection = ["id", "ts"] }\noutput p.f',
    sql: "SELECT id, ts::VARCHAR FROM t WHERE ts >= TIMESTAMP '2030-06-30 12:00:00.5'" },
];

const inst = await duckdb.DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`CREATE TABLE t AS SELECT * FROM read_csv('${csv}', header = true, columns = {'id': 'INTEGER', ` +
  `'grp': 'VARCHAR', 'ts': 'TIMESTAMP', 'd': 'DATE', 'u': 'TIMESTAMP', 'iv': 'INTERVAL', 'jv': 'INTERVAL', 'tv': 'INTERVAL'})`);
const failed = await runCases({ tirrun, dir, con, tables: TABLES, cases: CASES });
rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
