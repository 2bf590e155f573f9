// kdb+ tick journals made and read by node-q's serialiser (an independent
// implementation of kdb+'s encoding), for kdb_journal.sh.
//
//   node kdbjournal.js make DIR        writes DIR/sym2026.12.05 (column lists,
//                                      every type, nulls and infinities),
//                                      DIR/mixed2026.12.05 (columns, rows of
//                                      atoms, tables) and DIR/all.q
//   node kdbjournal.js values FILE     each message's data as node-q reads it,
//                                      as columns, one JSON line per message
//   node kdbjournal.js offsets FILE    the byte offset of each message, one a line
//
// A journal is ff 01 00 00 <count>, then each message serialised without its
// 8-byte IPC header (KDB.md).
const fs = require("fs");
const path = require("path");
const modules = path.join(__dirname, "../node/node_modules");
const c = require(path.join(modules, "node-q/lib/c.js"));
const typed = require(path.join(modules, "node-q/lib/typed.js"));
const Long = require(path.join(modules, "long"));

const HEAD = Buffer.from([0xff, 0x01, 0, 0, 0, 0, 0, 0]);
const body = (x) => c.serialize(x).subarray(8);
const list = (t, xs) => new typed.Typed("typedlist", xs, t);
const L = (n) => Long.fromNumber(n);
const date = (iso) => new Date(iso);

// (`upd;`t;x) with x given as bytes.
function message(table, xBytes) {
  const head = Buffer.from([0, 0, 3, 0, 0, 0]);
  return Buffer.concat([head, body("`upd"), body("`" + table), xBytes]);
}
// A mixed list of objects given as bytes.
function mixed(parts) {
  const head = Buffer.alloc(6);
  head.writeInt32LE(parts.length, 2);
  return Buffer.concat([head, ...parts]);
}
// A table: 98 0 then the dict of names to columns (node-q writes no tables).
function table(names, cols) {
  const keys = body(list("symbol", names));
  return Buffer.concat([Buffer.from([98, 0, 99]), keys, mixed(cols.map(body))]);
}
// A string column: a mixed list of char vectors.
const strings = (xs) => mixed(xs.map((s) => body(s)));

const cols = ["time", "sym", "b", "x", "h", "i", "j", "e", "f", "c", "p", "d", "t", "u", "v", "m", "z", "g", "s"];
const schema =
  "/ every column type kdb+ tick journals carry\n" +
  "all:([]time:`timespan$();sym:`g#`symbol$();b:`boolean$();x:`byte$();h:`short$();i:`int$();j:`long$();" +
  "e:`real$();f:`float$();c:`char$();p:`timestamp$();d:`date$();t:`time$();u:`minute$();v:`second$();" +
  "m:`month$();z:`datetime$();g:`guid$();s:())\n" +
  "trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`long$())\n";

// Three rows of every type: values, nulls, infinities (where q has them).
function everyType(k) {
  const ts = (ms) => date(`2026-12-05T00:00:00Z`).getTime() + ms;
  return [
    list("timespan", [new Date(ts(9 * 3600e3 + k)), new Date(ts(9 * 3600e3 + 500 + k)), null]),
    list("symbol", ["IBM", "MSFT", ""]),
    list("boolean", [true, false, false]),
    list("byte", [0, 127 - k, -1]),
    list("short", [k, null, Infinity]),
    list("int", [-5, null, -Infinity]),
    new typed.Typed("typedlist", [L(1234567890123 + k), null, Infinity], "long"),
    list("real", [1.5, null, -Infinity]),
    list("float", [3.25 + k, null, Infinity]),
    list("char", ["a", null, "z"]),
    list("timestamp", [date("2026-12-05T09:30:00.123Z"), null, date("1999-12-31T23:59:59.999Z")]),
    list("date", [date("2026-12-05T00:00:00Z"), null, date("1970-01-01T00:00:00Z")]),
    list("time", [date("2000-01-01T09:30:00.123Z"), null, date("2000-01-01T23:59:59.999Z")]),
    list("minute", [date("2000-01-01T09:31:00Z"), null, date("2000-01-01T00:00:00Z")]),
    list("second", [date("2000-01-01T09:31:05Z"), null, date("2000-01-01T12:00:00Z")]),
    list("month", [date("2026-12-01T00:00:00Z"), null, date("1999-01-01T00:00:00Z")]),
    list("datetime", [date("2026-12-05T09:30:00.250Z"), null, date("2000-01-01T00:00:00Z")]),
    list("guid", ["8c680a01-5a49-5aab-5a65-d4bfddb6a661", null, "00000000-0000-0000-0000-000000000001"]),
  ];
}

function make(dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "all.q"), schema);
  // tick.q's own form: a list of columns per message.
  const msgs = [];
  for (let k = 0; k < 4; k++) {
    const vs = everyType(k).map(body);
    vs.push(strings(["hello", "", "a, \"quoted\" one"]));
    msgs.push(message("all", mixed(vs)));
    const trade = [
      list("timespan", [date("2026-12-05T10:00:00Z"), date("2026-12-05T10:00:01Z")]),
      list("symbol", ["IBM", "AAPL" + k]),
      list("float", [100.5 + k, 101]),
      new typed.Typed("typedlist", [L(100 * k), L(7)], "long"),
    ];
    msgs.push(message("trade", mixed(trade.map(body))));
  }
  fs.writeFileSync(path.join(dir, "sym2026.12.05"), Buffer.concat([HEAD, ...msgs]));
  // What feeds send besides: one row of atoms, and a table.
  const row = [
    body(new typed.Typed("timespan", date("2026-12-05T11:00:00Z"))),
    body("`GOOG"),
    body(new typed.Typed("float", 250.25)),
    body(new typed.Typed("long", L(42))),
  ];
  const tbl = table(
    ["time", "sym", "price", "size"],
    [
      list("timespan", [date("2026-12-05T11:00:01Z"), date("2026-12-05T11:00:02Z")]),
      list("symbol", ["IBM", "GOOG"]),
      list("float", [99, 250.5]),
      new typed.Typed("typedlist", [L(1), L(2)], "long"),
    ]
  );
  // A table with its columns in another order than the schema's.
  const tbl2 = table(
    ["sym", "time", "size", "price"],
    [
      list("symbol", ["MSFT"]),
      list("timespan", [date("2026-12-05T11:00:03Z")]),
      new typed.Typed("typedlist", [L(3)], "long"),
      list("float", [30.5]),
    ]
  );
  fs.writeFileSync(
    path.join(dir, "mixed2026.12.05"),
    Buffer.concat([HEAD, msgs[1], message("trade", mixed(row)), message("trade", tbl), message("trade", tbl2)])
  );
}

// Each message of a journal, as node-q deserialises it (an IPC header put back).
function messages(file) {
  const b = fs.readFileSync(file);
  const out = [];
  let at = 8;
  while (at < b.length) {
    // node-q reads one object from an IPC message: each is cut out by its
    // length (objectLength) and given a header.
    const rest = b.subarray(at);
    const hdr = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
    hdr.writeInt32LE(8 + rest.length, 4);
    let len = objectLength(rest, 0);
    const one = Buffer.concat([hdr, rest.subarray(0, len)]);
    one.writeInt32LE(8 + len, 4);
    out.push({ offset: at, value: c.deserialize(one, false, false, false, false) });
    at += len;
  }
  return out;
}

// The length of the object at b[o] (enough of q's encoding for journals).
function objectLength(b, o) {
  const t = b.readInt8(o);
  const width = { 1: 1, 2: 16, 4: 1, 5: 2, 6: 4, 7: 8, 8: 4, 9: 8, 10: 1, 12: 8, 13: 4, 14: 4, 15: 8, 16: 8, 17: 4, 18: 4, 19: 4 };
  if (t < 0) {
    if (t === -11) return b.indexOf(0, o + 1) - o + 1;
    return 1 + width[-t];
  }
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

// A message's data as columns: a row of atoms and a table made columns
// (node-q reads a table as an object of its columns), strings (mixed lists
// of char lists) as arrays of text.
function asColumns(v, names) {
  const x = v[2];
  let columns;
  if (!Array.isArray(x)) columns = names.map((n) => x[n]);
  else if (x.every((e) => !Array.isArray(e))) columns = x.map((e) => [e]);
  else columns = x;
  return { table: v[1], columns };
}

const replacer = (k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v instanceof Long ? v.toString() : v);

module.exports = { objectLength };

if (require.main === module) {
  const [cmd, arg] = process.argv.slice(2);
  if (cmd === "make") make(arg);
  else if (cmd === "values") {
    for (const m of messages(arg)) {
      const names = m.value[1] === "trade" ? ["time", "sym", "price", "size"] : undefined;
      console.log(JSON.stringify(asColumns(m.value, names), replacer));
    }
  } else if (cmd === "offsets") {
    for (const m of messages(arg)) console.log(m.offset);
  } else {
    console.error("usage: kdbjournal.js make DIR | values FILE | offsets FILE");
    process.exit(2);
  }
}
