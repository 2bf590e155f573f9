// DuckDB, the JSON-ingest peer: load newline-delimited JSON into a table.
// usage: node duckdb_load.mjs FILE.json  -> prints rows loaded
import { DuckDBInstance } from '@duckdb/node-api';
const file = process.argv[2];
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(`CREATE TABLE t AS SELECT * FROM read_json('${file}', format='newline_delimited')`);
const r = await con.runAndReadAll('SELECT count(*) AS n FROM t');
console.log(String(r.getRows()[0][0]));
