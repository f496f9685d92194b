// spill_duckdb.mjs — the DuckDB side of bench/spill: one query under a
// memory limit, from a DuckDB database file (so that, as tir's native
// tables, the base table's pages are not working memory).
//
//   node spill_duckdb.mjs --db FILE --csv LINEITEM.csv --threads N --limit BYTES
//                         --temp DIR --runs R --out OUT.csv QUERY.sql
//
// Makes FILE with table lineitem from the CSV when it does not exist, and
// tables orders and customer from the CSVs beside it when missing (not
// timed). Then one warm-up and R timed runs of the query with memory_limit
// and temp_directory set; prints "MEDIAN_MS ROWS" or "ERROR message", and
// writes the result to OUT.csv for bench/spill's comparison.
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = { runs: 5 };
let query = null;
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith('--') && i + 1 < args.length) opt[args[i].slice(2)] = args[++i];
  else query = args[i];
}
if (!opt.db || !opt.csv || !opt.threads || !opt.limit || !opt.temp || !opt.out || !query) {
  console.error('usage: node spill_duckdb.mjs --db FILE --csv CSV --threads N --limit BYTES --temp DIR ' +
    '--runs R --out OUT.csv QUERY.sql');
  process.exit(2);
}
const sqlString = (s) => "'" + s.replaceAll("'", "''") + "'";
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const fresh = !existsSync(opt.db);
const instance = await DuckDBInstance.create(opt.db);
const conn = await instance.connect();
if (fresh) {
  await conn.run(`create table lineitem as select * from read_csv(${sqlString(opt.csv)}, header = true, ` +
    "columns = {'l_orderkey': 'INTEGER', 'l_partkey': 'INTEGER', 'l_suppkey': 'INTEGER', " +
    "'l_linenumber': 'INTEGER', 'l_quantity': 'INTEGER', 'l_extendedprice': 'DOUBLE', 'l_discount': 'DOUBLE', " +
    "'l_tax': 'DOUBLE', 'l_returnflag': 'VARCHAR', 'l_linestatus': 'VARCHAR', 'l_shipdate': 'DATE', " +
    "'l_commitdate': 'DATE', 'l_receiptdate': 'DATE', 'l_shipinstruct': 'VARCHAR', 'l_shipmode': 'VARCHAR', " +
    "'l_comment': 'VARCHAR'})");
  await conn.run('checkpoint');
}
// the join programs read orders and customer too, from beside lineitem.csv
const more = {
  customer: "{'c_custkey': 'INTEGER', 'c_name': 'VARCHAR', 'c_address': 'VARCHAR', 'c_nationkey': 'INTEGER', " +
    "'c_phone': 'VARCHAR', 'c_acctbal': 'DOUBLE', 'c_mktsegment': 'VARCHAR', 'c_comment': 'VARCHAR'}",
  orders: "{'o_orderkey': 'INTEGER', 'o_custkey': 'INTEGER', 'o_orderstatus': 'VARCHAR', 'o_totalprice': 'DOUBLE', " +
    "'o_orderdate': 'DATE', 'o_orderpriority': 'VARCHAR', 'o_clerk': 'VARCHAR', 'o_shippriority': 'INTEGER', " +
    "'o_comment': 'VARCHAR'}",
};
for (const [name, cols] of Object.entries(more)) {
  const have = (await conn.runAndReadAll(
    `select count(*) from duckdb_tables() where table_name = ${sqlString(name)}`)).getRowsJS()[0][0];
  if (Number(have) === 0) {
    const csv = opt.csv.replace(/lineitem\.csv$/, `${name}.csv`);
    await conn.run(`create table ${name} as select * from read_csv(${sqlString(csv)}, header = true, columns = ${cols})`);
    await conn.run('checkpoint');
  }
}
await conn.run(`set threads=${Number(opt.threads)}`);
await conn.run(`set memory_limit=${sqlString(Math.floor(Number(opt.limit) / 1024) + 'KiB')}`);
await conn.run(`set temp_directory=${sqlString(opt.temp)}`);
const sql = readFileSync(query, 'utf8');
try {
  await conn.run(sql);
  const ms = [];
  for (let r = 0; r < Number(opt.runs); r++) {
    const t0 = process.hrtime.bigint();
    await conn.run(sql);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const body = sql.trim().replace(/;\s*$/, '');
  await conn.run(`copy (${body}) to ${sqlString(opt.out)} (header, delimiter ',', nullstr '')`);
  const rows = (await conn.runAndReadAll(`select count(*) from (${body})`)).getRowsJS()[0][0];
  console.log(`${median(ms).toFixed(3)} ${rows}`);
} catch (e) {
  console.log(`ERROR ${String(e.message).split('\n')[0]}`);
}
