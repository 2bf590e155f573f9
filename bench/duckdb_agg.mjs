// DuckDB, the peer of tick-agg and tick-aj: the same bars and the same as-of
// join over the same rows, loaded in its own database beforehand, or read
// from CSV. Each prints the milliseconds the statement itself took.
//   node duckdb_agg.mjs load DB trade.csv quote.csv   -> loads both (not timed)
//   node duckdb_agg.mjs bars DB SECONDS               -> bars into a table
//   node duckdb_agg.mjs bars-csv trade.csv SECONDS    -> from the CSV, in memory
//   node duckdb_agg.mjs aj DB                         -> ASOF JOIN into a table
import { DuckDBInstance } from '@duckdb/node-api';
const [cmd, src, arg] = process.argv.slice(2);
const db = await DuckDBInstance.create(cmd === 'bars-csv' ? ':memory:' : src);
const con = await db.connect();
const csv = (f, cols) => `read_csv('${f}', header=true, columns={${cols}})`;
const tcols = `'time':'VARCHAR','sym':'VARCHAR','price':'DOUBLE','size':'BIGINT'`;
const ts = `CAST(replace(time, 'Z', '') AS TIMESTAMP_NS)`;
const bars = (from) => `CREATE OR REPLACE TEMP TABLE bars AS
  SELECT time_bucket(INTERVAL '${arg} seconds', time) AS time, sym,
    arg_min(price, time) AS open, max(price) AS high, min(price) AS low, arg_max(price, time) AS close,
    sum(size) AS volume, sum(price * size) / sum(size) AS vwap
  FROM ${from} GROUP BY ALL`;
let sql;
if (cmd === 'load') {
  await con.run(`CREATE OR REPLACE TABLE trade AS SELECT ${ts} AS time, sym, price, size FROM ${csv(arg, tcols)}`);
  const quotes = process.argv[5];
  await con.run(`CREATE OR REPLACE TABLE quote AS SELECT ${ts} AS time, sym, bid, ask, bsize, asize FROM
    ${csv(quotes, `'time':'VARCHAR','sym':'VARCHAR','bid':'DOUBLE','ask':'DOUBLE','bsize':'BIGINT','asize':'BIGINT'`)}`);
  await con.run('CHECKPOINT');
  process.exit(0);
} else if (cmd === 'bars') {
  sql = bars('trade');
} else if (cmd === 'bars-csv') {
  sql = bars(`(SELECT ${ts} AS time, sym, price, size FROM ${csv(src, tcols)})`);
} else if (cmd === 'aj') {
  sql = `CREATE OR REPLACE TEMP TABLE j AS SELECT t.time, t.sym, t.price, t.size, q.bid, q.ask, q.bsize, q.asize
    FROM trade t ASOF LEFT JOIN quote q ON t.sym = q.sym AND t.time >= q.time`;
} else {
  console.error('usage: duckdb_agg.mjs load DB TRADES QUOTES | bars DB SECS | bars-csv TRADES SECS | aj DB');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
await con.run(sql);
console.log(Number(process.hrtime.bigint() - t0) / 1e6);
