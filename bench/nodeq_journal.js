// The peer of tick's kdb+ journal reading: node-q's decoder over every
// message of a tick.q journal (each given an IPC header, as node-q reads
// one message at a time). Prints the rows it decoded and the seconds taken.
//   node nodeq_journal.js FILE
const fs = require("fs");
const path = require("path");
const c = require(path.join(__dirname, "node_modules/node-q/lib/c.js"));

const WIDTH = { 1: 1, 2: 16, 4: 1, 5: 2, 6: 4, 7: 8, 8: 4, 9: 8, 10: 1, 12: 8, 13: 4, 14: 4, 15: 8, 16: 8, 17: 4, 18: 4, 19: 4 };
function objectLength(b, o) {
  const t = b.readInt8(o);
  if (t < 0) return t === -11 ? b.indexOf(0, o + 1) - o + 1 : 1 + WIDTH[-t];
  const n = b.readInt32LE(o + 2);
  let at = o + 6;
  if (t === 0) for (let i = 0; i < n; i++) at += objectLength(b, at);
  else if (t === 11) for (let i = 0; i < n; i++) at = b.indexOf(0, at) + 1;
  else at += n * WIDTH[t];
  return at - o;
}

const t0 = process.hrtime.bigint();
const b = fs.readFileSync(process.argv[2]);
let rows = 0;
for (let at = 8; at < b.length; ) {
  const len = objectLength(b, at);
  const m = Buffer.allocUnsafe(8 + len);
  m.writeUInt32LE(1, 0);
  m.writeInt32LE(8 + len, 4);
  b.copy(m, 8, at, at + len);
  const v = c.deserialize(m, false, false, false, true);
  rows += v[2][0].length;
  at += len;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(rows, secs);
