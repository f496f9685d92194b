// duckdb_diff.mjs — what the differential tests against DuckDB share
// (decimal_duckdb.mjs, timestamp_duckdb.mjs): loading DuckDB from
// SRCDIR/bench/node_modules, a deterministic generator, and running cases
// as TAP: each tir program with tirrun --format csv, the matching SQL in
// DuckDB, rows compared as multisets of text (float columns to 1e-12
// relative). A case marked native must also skip blocks by min/max; one
// marked ordered compares the rows in order (its SQL orders them totally);
// one with args runs tirrun with them too, and one marked spill must spill
// (give it --force-spill).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export async function loadDuckdb(srcdir) {
  try {
    const req = createRequire(join(srcdir, 'bench', 'package.json'));
    return await import(pathToFileURL(req.resolve('@duckdb/node-api')).href);
  } catch (e) {
    console.log(`Bail out! DuckDB (@duckdb/node-api) cannot be loaded from ${srcdir}/bench/node_modules ` +
      `(run: cd bench && npm ci): ${e.message}`);
    process.exit(1);
  }
}

// A small deterministic generator (xorshift), so failures reproduce.
export function generator(seed = 0x9e3779b9) {
  return () => {
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return seed / 4294967296;
  };
}

function parseCsv(text) {   // tirrun's csv: the generated strings hold no commas
  return text.split('\n').filter((l) => l.length).slice(1).map((l) => l.split(','));
}
function same(a, b, floatCols) {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    if (x === b[i]) return true;
    if (!floatCols.includes(i) || x === '' || b[i] === '') return false;
    const u = Number(x), v = Number(b[i]);
    return Math.abs(u - v) <= 1e-12 * Math.max(Math.abs(u), Math.abs(v));
  });
}
function keyOf(row, floatCols) {
  return row.map((x, i) => (floatCols.includes(i) ? '' : x)).join('\u0001');
}

// Runs every case over every table declaration (TABLES[0] a CSV, TABLES[1]
// a native table: cases marked native run on it alone) and exits 1 when one
// differs. A case: { name, tir, sql, float: [column indexes], native,
// ordered, args: [tirrun options], spill }.
export async function runCases({ tirrun, dir, con, tables, cases }) {
  const runs = [];
  for (const [ti, table] of tables.entries())
    for (const c of cases)
      if (ti === 1 ? !c.csvOnly : !c.native) runs.push({ ...c, table, name: `${c.name} (${ti ? 'native table' : 'CSV'})` });
  console.log(`1..${runs.length}`);
  let failed = 0;
  for (const [k, c] of runs.entries()) {
    const file = join(dir, `c${k}.tir`);
    writeFileSync(file, c.table + c.tir + '\n');
    const args = [...(c.args || []), ...(c.native || c.spill ? ['--profile'] : []), '--format', 'csv', file];
    const run = spawnSync(tirrun, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    const skipped = Number((/(\d+) skipped by min-max/.exec(run.stderr || '') || [])[1] || 0);
    const spilled = /spilled:/.test(run.stderr || '');
    if (run.status !== 0 || (c.native && !skipped) || (c.spill && !spilled)) {
      console.log(`not ok ${k + 1} - ${c.name}\n# ${run.status !== 0 ? 'tirrun failed: ' + run.stderr
        : c.native && !skipped ? 'no block was skipped by min/max: ' + run.stderr : 'nothing spilled: ' + run.stderr}`);
      failed++;
      continue;
    }
    const tirRows = parseCsv(run.stdout);
    const res = await con.runAndReadAll(c.sql);
    const duckRows = res.getRows().map((r) => r.map((v) => (v === null ? '' : String(v))));
    const fc = c.float || [];
    // multisets: sort both by the exact columns, then compare row by row
    const sortRows = (rs) => rs.slice().sort((x, y) => (keyOf(x, fc) < keyOf(y, fc) ? -1 : keyOf(x, fc) > keyOf(y, fc) ? 1 : 0));
    const a = c.ordered ? tirRows : sortRows(tirRows), b = c.ordered ? duckRows : sortRows(duckRows);
    let bad = a.length !== b.length ? `row counts differ: tir ${a.length}, DuckDB ${b.length}` : '';
    for (let i = 0; !bad && i < a.length; i++)
      if (!same(a[i], b[i], fc)) bad = `row differs:\n#   tir:    ${a[i].join(',')}\n#   DuckDB: ${b[i].join(',')}`;
    console.log(`${bad ? 'not ok' : 'ok'} ${k + 1} - ${c.name} (${a.length} rows)${bad ? '\n# ' + bad : ''}`);
    if (bad) failed++;
  }
  return failed;
}
