// DuckDB, the history-query peer.
//   node duckdb_hdb.mjs load DB.duckdb trade.csv   -> loads the rows (not timed)
//   node duckdb_hdb.mjs query DB.duckdb SYM FROM TO OUT.csv
//        -> one sym, one time window, ordered by time, written as CSV;
//           prints the milliseconds the query itself took (open excluded)
import { DuckDBInstance } from '@duckdb/node-api';
const [cmd, dbfile, ...args] = process.argv.slice(2);
const db = await DuckDBInstance.create(dbfile);
const con = await db.connect();
if (cmd === 'load') {
  const [csv] = args;
  await con.run(`CREATE OR REPLACE TABLE trade AS
    SELECT CAST(replace(time, 'Z', '') AS TIMESTAMP_NS) AS time, sym, price, size
    FROM read_csv('${csv}', header=true, columns={'time':'VARCHAR','sym':'VARCHAR','price':'DOUBLE','size':'BIGINT'})`);
  await con.run('CHECKPOINT');
  const r = await con.runAndReadAll('SELECT count(*) FROM trade');
  console.log(String(r.getRows()[0][0]));
} else if (cmd === 'query') {
  const [sym, from, to, out] = args;
  const t0 = process.hrtime.bigint();
  await con.run(`COPY (SELECT * FROM trade WHERE sym = '${sym}'
    AND time BETWEEN TIMESTAMP_NS '${from}' AND TIMESTAMP_NS '${to}' ORDER BY time)
    TO '${out}' (FORMAT CSV, HEADER)`);
  console.log(Number(process.hrtime.bigint() - t0) / 1e6);
} else {
  console.error('usage: duckdb_hdb.mjs load DB CSV | query DB SYM FROM TO OUT');
  process.exit(2);
}
