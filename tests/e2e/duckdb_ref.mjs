// DuckDB (npm @duckdb/node-api) as the independent reference for tick-agg
// and tick-aj: the same rows, as CSV with times in epoch nanoseconds and a
// row number n (the stream's order), computed by SQL; CSV out, times in ns.
// usage: node duckdb_ref.mjs bars SECONDS TRADES.csv
//        node duckdb_ref.mjs aj TRADES.csv QUOTES.csv
import { createRequire } from 'module';
const require = createRequire(import.meta.url);
const { DuckDBInstance } = require('../node/node_modules/@duckdb/node-api');
const [mode, ...args] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const load = (name, file) => con.run(`CREATE TABLE ${name} AS SELECT * FROM read_csv('${file}', header=true)`);
let sql;
if (mode === 'bars') {
  const [secs, trades] = args;
  await load('t', trades);
  // time_bucket on microsecond timestamps (the rows' times are whole µs)
  sql = `SELECT epoch_us(time_bucket(INTERVAL '${secs} seconds', make_timestamp(time // 1000))) * 1000 AS time, sym,
           first(price ORDER BY n) AS open, max(price) AS high, min(price) AS low, last(price ORDER BY n) AS close,
           sum(size) AS volume, sum(price * size) / sum(size) AS vwap, count(*) AS count,
           sum(size) AS sum_size, avg(price) AS avg_price, min(size) AS min_size, max(price) AS max_price
         FROM t GROUP BY ALL ORDER BY time, sym`;
} else if (mode === 'aj') {
  const [trades, quotes] = args;
  await load('t', trades);
  await load('q', quotes);
  sql = `SELECT t.time, t.sym, t.price, t.size, q.bid, q.ask, q.bsize, q.asize
         FROM t ASOF LEFT JOIN q ON t.sym = q.sym AND t.time >= q.time ORDER BY t.n`;
} else {
  throw new Error(`unknown mode ${mode}`);
}
const r = await con.runAndReadAll(sql);
const cols = r.columnNames();
const out = [cols.join(',')];
for (const row of r.getRows()) out.push(row.map((v) => (v === null ? '' : String(v))).join(','));
process.stdout.write(out.join('\n') + '\n');
