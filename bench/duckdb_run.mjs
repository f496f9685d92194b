// duckdb_run.mjs — the DuckDB side of bench/run.
//
//   node duckdb_run.mjs --data DIR --threads N[,N...] --out OUTDIR [--runs R] [--money decimal] QUERY.sql...
//
// Loads every CSV of DIR that it has a schema for into an in-memory table
// (types matching the .tir declarations, TPC-H's money columns DECIMAL(15,2)
// with --money decimal as bench/run's TIR_MONEY=decimal declares them; loading is not timed, and done
// once for all thread counts). For each thread count (PRAGMA threads) and
// query: one warm-up run, then R (default 5) timed runs. Prints one line
// per query and thread count, "NAME THREADS MEDIAN_MS ROWS", and writes the
// result to OUTDIR/tTHREADS/NAME.csv (DuckDB's COPY: header, then rows in the
// query's order; NULL as an empty field, dates YYYY-MM-DD) for bench/run's
// comparison with tir's output.
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const SCHEMAS = {
  region: 'r_regionkey INTEGER, r_name VARCHAR, r_comment VARCHAR',
  nation: 'n_nationkey INTEGER, n_name VARCHAR, n_regionkey INTEGER, n_comment VARCHAR',
  supplier: 's_suppkey INTEGER, s_name VARCHAR, s_address VARCHAR, s_nationkey INTEGER, ' +
    's_phone VARCHAR, s_acctbal DOUBLE, s_comment VARCHAR',
  part: 'p_partkey INTEGER, p_name VARCHAR, p_mfgr VARCHAR, p_brand VARCHAR, p_type VARCHAR, ' +
    'p_size INTEGER, p_container VARCHAR, p_retailprice DOUBLE, p_comment VARCHAR',
  partsupp: 'ps_partkey INTEGER, ps_suppkey INTEGER, ps_availqty INTEGER, ps_supplycost DOUBLE, ' +
    'ps_comment VARCHAR',
  customer: 'c_custkey INTEGER, c_name VARCHAR, c_address VARCHAR, c_nationkey INTEGER, ' +
    'c_phone VARCHAR, c_acctbal DOUBLE, c_mktsegment VARCHAR, c_comment VARCHAR',
  orders: 'o_orderkey INTEGER, o_custkey INTEGER, o_orderstatus VARCHAR, o_totalprice DOUBLE, ' +
    'o_orderdate DATE, o_orderpriority VARCHAR, o_clerk VARCHAR, o_shippriority INTEGER, ' +
    'o_comment VARCHAR',
  lineitem: 'l_orderkey INTEGER, l_partkey INTEGER, l_suppkey INTEGER, l_linenumber INTEGER, ' +
    'l_quantity INTEGER, l_extendedprice DOUBLE, l_discount DOUBLE, l_tax DOUBLE, ' +
    'l_returnflag VARCHAR, l_linestatus VARCHAR, l_shipdate DATE, l_commitdate DATE, ' +
    'l_receiptdate DATE, l_shipinstruct VARCHAR, l_shipmode VARCHAR, l_comment VARCHAR',
  // the seed example's demo tables (bench/gen_demo)
  customers: 'customer_id INTEGER, name VARCHAR, gender VARCHAR',
  sale_orders: 'order_id BIGINT, customer_id INTEGER, freight DOUBLE',
};

// TPC-H's money columns: DOUBLE, or with --money decimal DECIMAL(15,2) (the specification's type)
const MONEY = ['l_extendedprice', 'l_discount', 'l_tax', 'o_totalprice', 'ps_supplycost', 'c_acctbal', 's_acctbal',
  'p_retailprice'];

function usage() {
  console.error('usage: node duckdb_run.mjs --data DIR --threads N[,N...] --out OUTDIR [--runs R] [--money decimal] QUERY.sql...');
  process.exit(2);
}

const args = process.argv.slice(2);
const opt = { runs: 5 };
const queries = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--data' || a === '--threads' || a === '--out' || a === '--runs' || a === '--money') {
    if (i + 1 >= args.length) usage();
    opt[a.slice(2)] = args[++i];
  } else if (a.startsWith('-')) usage();
  else queries.push(a);
}
const threadList = String(opt.threads ?? '').split(',').map(Number), runs = Number(opt.runs);
if (!opt.data || !opt.out || !threadList.every((t) => t >= 1) || !(runs >= 1) || queries.length === 0 ||
    ![undefined, 'f64', 'decimal'].includes(opt.money))
  usage();

const sqlString = (s) => "'" + s.replaceAll("'", "''") + "'";

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
for (const [table, cols] of Object.entries(SCHEMAS)) {
  const path = join(opt.data, table + '.csv');
  if (!existsSync(path)) continue;
  const colmap = '{' + cols.split(', ').map((c) => {
    const [name, type] = c.split(' ');
    return `'${name}': '${opt.money === 'decimal' && MONEY.includes(name) ? 'DECIMAL(15,2)' : type}'`;
  }).join(', ') + '}';
  await conn.run(`create table ${table} as select * from read_csv(${sqlString(path)}, ` +
    `header = true, delim = ',', quote = '"', columns = ${colmap})`);
}
for (const threads of threadList) {
  await conn.run(`pragma threads=${threads}`);
  const outdir = join(opt.out, 't' + threads);
  mkdirSync(outdir, { recursive: true });
  for (const file of queries) {
    const name = basename(file).replace(/\.sql$/, '');
    const sql = readFileSync(file, 'utf8');
    await conn.run(sql);                                  // warm-up
    const ms = [];
    for (let r = 0; r < runs; r++) {
      const t0 = process.hrtime.bigint();
      await conn.run(sql);                                // materialized in DuckDB, not converted to JS
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    // untimed: the rows for the comparison, written by DuckDB itself (in
    // order: insertion order is preserved), millions of rows included
    const out = join(outdir, name + '.csv');
    const body = sql.trim().replace(/;\s*$/, '');
    await conn.run(`copy (${body}) to ${sqlString(out)} (header, delimiter ',', nullstr '')`);
    const rows = (await conn.runAndReadAll(`select count(*) from (${body})`)).getRowsJS()[0][0];
    console.log(`${name} ${threads} ${median(ms).toFixed(3)} ${rows}`);
  }
}
