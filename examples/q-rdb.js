// A q-style real-time database, as kdb-tick's r.q does it, played by node-q
// (npm install node-q; any kdb+ IPC client does the same): it asks
// tick-q "(.u.sub[`;`];`.u `i`L)", replays the first i messages of the
// journal L (what q's -11!(i;L) does), then applies every update; at
// .u.end it says the day's counts and starts the next day empty.
//
//   node q-rdb.js PORT [SECONDS]     (prints counts every 2 s; ends after SECONDS)
const fs = require("fs");
const nodeq = require("node-q");
const c = require("node-q/lib/c.js");

const [port, seconds] = [Number(process.argv[2] || 5010), Number(process.argv[3] || 0)];
const tables = {};  // name -> { rows, syms: Set }

function apply(t, x) {
  // x: a table (an object of columns) or, in the journal, a list of columns
  const cols = Array.isArray(x) ? x : Object.values(x);
  const n = cols[0].length;
  const sym = Array.isArray(x) ? cols[1] : x.sym;
  const tb = tables[t] || (tables[t] = { rows: 0, syms: new Set() });
  tb.rows += n;
  if (sym) for (const s of sym) tb.syms.add(s);
}
function counts() {
  return Object.entries(tables).map(([t, v]) => `${t} ${v.rows} rows, ${v.syms.size} syms`).join("; ");
}

// The length of the object at b[o] (kdb+'s encoding; journals hold typed
// vectors, symbols, mixed lists, dictionaries and tables).
function objectLength(b, o) {
  const t = b.readInt8(o);
  const width = { 1: 1, 2: 16, 4: 1, 5: 2, 6: 4, 7: 8, 8: 4, 9: 8, 10: 1, 12: 8, 13: 4, 14: 4, 15: 8, 16: 8, 17: 4, 18: 4, 19: 4 };
  if (t < 0) return t === -11 ? b.indexOf(0, o + 1) - o + 1 : 1 + width[-t];
  if (t === 98) return 2 + objectLength(b, o + 2);
  if (t === 99) {
    const k = objectLength(b, o + 1);
    return 1 + k + objectLength(b, o + 1 + k);
  }
  const n = b.readInt32LE(o + 2);
  let at = o + 6;
  if (t === 0) for (let i = 0; i < n; i++) at += objectLength(b, at);
  else if (t === 11) for (let i = 0; i < n; i++) at = b.indexOf(0, at) + 1;
  else at += n * width[t];
  return at - o;
}
// -11!(n;L): the first n messages of the journal through upd.
function replay(file, n) {
  const b = fs.readFileSync(file);
  let at = 8;
  for (let i = 0; i < n; i++) {
    const len = objectLength(b, at);
    const msg = Buffer.alloc(8 + len);
    msg[0] = 1;
    msg.writeInt32LE(8 + len, 4);
    b.copy(msg, 8, at, at + len);
    const [, t, x] = c.deserialize(msg, false, false, false, false);
    apply(t, x);
    at += len;
  }
}

nodeq.connect({ host: "127.0.0.1", port, nanos2date: false, flipTables: false, long2number: false }, (err, con) => {
  if (err) throw err;
  con.on("close", () => {
    console.log("tick-q closed the connection");
    process.exit(1);
  });
  con.k("(.u.sub[`;`];`.u `i`L)", (err, answer) => {
    if (err) throw err;
    const [schemas, [i, L]] = answer;
    for (const [name] of schemas) tables[name] = { rows: 0, syms: new Set() };
    if (L) replay(L.replace(/^:/, ""), Number(i));
    console.log(`subscribed; replayed ${L ? Number(i) : 0} messages of ${L || "(no journal)"}: ${counts()}`);
    con.on("upd", apply);
    // .u.end and other async messages reach node-q's next k() without arguments.
    const onAsync = () =>
      con.k((err, m) => {
        if (!err && Array.isArray(m) && m[0] === ".u.end") {
          console.log(`end of day ${new Date(m[1]).toISOString().slice(0, 10)}: ${counts()}`);
          for (const t of Object.keys(tables)) tables[t] = { rows: 0, syms: new Set() };
        }
        onAsync();
      });
    onAsync();
    setInterval(() => console.log(counts()), 2000);
    if (seconds) setTimeout(() => {
      console.log(`at the end: ${counts()}`);
      process.exit(0);
    }, seconds * 1000);
  });
});
