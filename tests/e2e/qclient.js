// kdb+ clients of tick-q, played with npm node-q (an independent kdb+ IPC
// client and serialiser), for tick_q.sh and tick_q_faults.sh.
//
//   node qclient.js rq PORT OUT ROWS [--reconnect] [--user U:P]
//       kdb-tick's r.q: sends "(.u.sub[`;`];`.u `i`L)", replays the first i
//       messages of L (read here, not by tick), then takes updates live until
//       it holds ROWS rows and nothing more comes for a second. Writes OUT
//       (one JSON row a line, [table, values...]) and OUT.end (each .u.end's
//       date, with the rows held before it). --reconnect: a dropped
//       connection is made again and r.q's request sent again (its tables
//       start over: the replay gives them back). --rdb: until SIGTERM, the
//       tables emptied at each .u.end as r.q's are.
//   node qclient.js feed PORT FIRST COUNT
//       a q feed handler: COUNT trades, sizes FIRST.. (the row's identity), in
//       every form of .u.upd (string or symbol head; columns, a row of atoms,
//       a table; with and without the time column; sync and async). Prints
//       the sizes answered :: (sync) or sent (async), one a line.
//   node qclient.js feedloop PORT FIRST COUNT ACKED
//       sync publishes one row at a time, reconnecting when tick-q goes away
//       (the row in flight is not sent again, as a q feed handler goes on);
//       each size answered :: is appended to ACKED.
//   node qclient.js ask PORT EXPR [--user U:P]
//       one sync request (a string) through node-q's own connection: prints
//       the answer as JSON, or "error: TEXT"; "refused" when the socket is
//       closed at login.
//   node qclient.js sub PORT OUT ROWS TABLE SYM...
//       node-q's connection subscribed with .u.sub[`TABLE;`SYM`SYM] (its upd
//       events), until ROWS rows and a quiet second.
//   node qclient.js raw PORT CASE
//       requests node-q's helpers cannot express: "lambda", "upd-text",
//       "table" (.u.upd with a table, sync), "compressed" (a compressed
//       .u.upd, sync: the compressor is checked against node-q's decompressor
//       first), "symlist" ((`.u.sub;`trade;`) as a symbol vector).
//   node qclient.js stall PORT
//       subscribes to everything and never reads again (prints "subscribed").
const fs = require("fs");
const net = require("net");
const path = require("path");
const modules = path.join(__dirname, "../node/node_modules");
const nodeq = require(path.join(modules, "node-q"));
const c = require(path.join(modules, "node-q/lib/c.js"));
const typed = require(path.join(modules, "node-q/lib/typed.js"));
const Long = require(path.join(modules, "long"));
const { objectLength } = require("./kdbjournal.js");

const body = (x) => c.serialize(x).subarray(8);
const list = (t, xs) => new typed.Typed("typedlist", xs, t);
const atom = (t, x) => new typed.Typed(t, x);
const L = (n) => Long.fromNumber(n);
function mixed(parts) {
  const head = Buffer.alloc(6);
  head.writeInt32LE(parts.length, 2);
  return Buffer.concat([head, ...parts]);
}
function table(names, cols) {
  return Buffer.concat([Buffer.from([98, 0, 99]), body(list("symbol", names)), mixed(cols.map(body))]);
}
function frame(type, obj) {
  const h = Buffer.from([1, type, 0, 0, 0, 0, 0, 0]);
  h.writeInt32LE(8 + obj.length, 4);
  return Buffer.concat([h, obj]);
}
const deserialize = (m) => c.deserialize(m, false, false, false, false);

// A value as text that compares exactly: longs and timespans (Long) as their
// decimal digits.
const val = (v) => (v instanceof Long ? v.toString() : v === null ? null : v);
function rowsOf(t, tbl) {
  const names = Object.keys(tbl);
  const n = names.length ? tbl[names[0]].length : 0;
  const out = [];
  for (let i = 0; i < n; i++) out.push([t, ...names.map((k) => val(tbl[k][i]))]);
  return out;
}

// A raw connection: handshake, framed messages in and out.
function rawConnect(port, cred, cb) {
  const s = net.connect(port, "127.0.0.1");
  let buf = Buffer.alloc(0);
  let open = false;
  const handlers = { message: () => {}, close: () => {} };
  s.on("connect", () => s.write(Buffer.concat([Buffer.from(cred || ""), Buffer.from([3, 0])])));
  s.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    if (!open) {
      if (buf.length < 1) return;
      open = true;
      buf = buf.subarray(1);
      cb(null, s, handlers);
    }
    while (buf.length >= 8 && buf.length >= buf.readInt32LE(4)) {
      const len = buf.readInt32LE(4);
      const m = buf.subarray(0, len);
      buf = buf.subarray(len);
      let v;
      try {
        v = deserialize(m);
      } catch (e) {
        v = { error: e.message };  // (node-q throws q's errors)
      }
      handlers.message(m[1], v, m);
    }
  });
  s.on("error", () => {});
  s.on("close", () => {
    if (!open) cb(new Error("closed"));
    else handlers.close();
  });
  return s;
}

// The first n messages of a tick.q journal, as (`upd;`t;x).
function replay(file, n, rows) {
  const b = fs.readFileSync(file);
  let at = 8;
  for (let i = 0; i < n; i++) {
    const len = objectLength(b, at);
    const v = deserialize(frame(0, b.subarray(at, at + len)));
    const x = v[2];
    if (Array.isArray(x)) {
      const cols = x;
      for (let r = 0; r < cols[0].length; r++) rows.push([v[1], ...cols.map((col) => val(col[r]))]);
    } else {
      rows.push(...rowsOf(v[1], x));
    }
    at += len;
  }
}
const flag = (name) => process.argv.includes(name);
const opt = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

function writeRows(out, rows) {
  fs.writeFileSync(out, rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : ""));
}

function rq(port, out, want) {
  let rows = [];
  const ends = [];
  let last = Date.now();
  let connected = false;
  const deadline = Date.now() + 120000;
  const finish = (code) => {
    writeRows(out, rows);
    fs.writeFileSync(out + ".end", ends.map((e) => JSON.stringify(e)).join("\n") + (ends.length ? "\n" : ""));
    process.exit(code);
  };
  // --rdb: run until SIGTERM, holding the current day as r.q does (its
  // tables emptied at .u.end); OUT is written then.
  const rdb = flag("--rdb");
  process.on("SIGTERM", () => finish(0));
  const timer = setInterval(() => {
    if (rdb) return;
    if (rows.length >= want && Date.now() - last > 1000) finish(0);
    if (Date.now() > deadline) {
      console.error(`rq: ${rows.length} of ${want} rows after 120 s`);
      finish(1);
    }
  }, 100);
  const go = () => {
    rawConnect(port, opt("--user"), (err, s, h) => {
      if (err) {
        if (flag("--reconnect")) return setTimeout(go, 200);
        console.error("rq: refused");
        process.exit(1);
      }
      connected = true;
      let answered = false;
      h.close = () => {
        connected = false;
        if (!flag("--reconnect")) {
          console.error("rq: tick-q closed the connection");
          finish(1);
        }
        console.error("rq: reconnected");
        setTimeout(go, 200);
      };
      h.message = (type, v) => {
        last = Date.now();
        if (!answered) {
          if (type !== 2) throw new Error("an update before the answer");
          answered = true;
          // r.q: the tables from the schemas, then -11!(i;L).
          const [, [i, L]] = v;
          rows = [];
          if (L) replay(L.replace(/^:/, ""), Number(i), rows);
          return;
        }
        if (type !== 0) throw new Error("a response without a request");
        if (v[0] === "upd") rows.push(...rowsOf(v[1], v[2]));
        else if (v[0] === ".u.end") {
          ends.push({ date: v[1].toISOString().slice(0, 10), rows: rows.length });
          if (rdb) rows = [];
        }
        else throw new Error("unexpected " + JSON.stringify(v));
      };
      s.write(frame(1, body("(.u.sub[`;`];`.u `i`L)")));
    });
  };
  go();
}

// The forms of .u.upd a feed sends (KDB.md), one trade each, by k.
const time = (k) => atom("timespan", new Date(Date.UTC(2000, 0, 1, 12, 0, 0, k % 1000)));
const times = (k) => list("timespan", [new Date(Date.UTC(2000, 0, 1, 12, 0, 0, k % 1000))]);
function updBody(k, head) {
  const h = head === "sym" ? body("`.u.upd") : body(".u.upd");
  const sym = "Q" + (k % 7);
  const price = 100 + (k % 13) / 4;
  const forms = [
    () => mixed([body(times(k)), body(list("symbol", [sym])), body(list("float", [price])), body(list("long", [L(k)]))]),
    () => mixed([body(list("symbol", [sym])), body(list("float", [price])), body(list("long", [L(k)]))]),
    () => mixed([body(time(k)), body("`" + sym), body(atom("float", price)), body(atom("long", L(k)))]),
    () => mixed([body("`" + sym), body(atom("float", price)), body(atom("long", L(k)))]),
    () => table(["time", "sym", "price", "size"], [times(k), list("symbol", [sym]), list("float", [price]), list("long", [L(k)])]),
    () => table(["sym", "price", "size"], [list("symbol", [sym]), list("float", [price]), list("long", [L(k)])]),
  ];
  const x = forms[k % forms.length]();
  return mixed([h, body("`trade"), x]);
}

function feed(port, first, count) {
  rawConnect(port, opt("--user"), (err, s, h) => {
    if (err) throw err;
    const pending = [];
    let k = first;
    h.message = (type, v) => {
      const size = pending.shift();
      if (v !== null) {
        console.error(`feed: ${size}: ${JSON.stringify(v)}`);
        process.exit(1);
      }
      console.log(size);
      next();
    };
    // Alternately async (said once sent) and sync (said once answered ::).
    const next = () => {
      while (k < first + count) {
        const size = k++;
        const sync = Math.floor(size / 6) % 2 === 1;
        const head = Math.floor(size / 12) % 2 ? "sym" : "str";
        s.write(frame(sync ? 1 : 0, updBody(size, head)));
        if (sync) {
          pending.push(size);
          return;
        }
        console.log(size);
      }
      // A Java feed's sync "" after its batch: answered ::.
      s.write(frame(1, body("")));
      pending.push("end");
      h.message = (type, v) => {
        if (v !== null) throw new Error("\"\" answered " + JSON.stringify(v));
        s.end();
        process.exit(0);
      };
    };
    next();
  });
}

function feedloop(port, first, count, acked) {
  let k = first;
  const go = () => {
    rawConnect(port, undefined, (err, s, h) => {
      if (err) return setTimeout(go, 100);
      let inflight = false;
      // The row in flight when tick-q went away is not sent again.
      h.close = () => {
        if (inflight) k++;
        setTimeout(go, 100);
      };
      const send = () => {
        if (k >= first + count) process.exit(0);
        inflight = true;
        s.write(frame(1, updBody(k, "sym")));
      };
      h.message = (type, v) => {
        if (v !== null) {
          console.error(`feedloop: ${k}: ${JSON.stringify(v)}`);
          process.exit(1);
        }
        inflight = false;
        fs.appendFileSync(acked, k + "\n");
        k++;
        send();
      };
      send();
    });
  };
  go();
}

function ask(port, expr) {
  const [user, password] = (opt("--user") || ":").split(":");
  nodeq.connect({ host: "127.0.0.1", port, user, password, nanos2date: false, long2number: false, flipTables: false }, (err, con) => {
    if (err) {
      console.log("refused");
      process.exit(0);
    }
    con.on("error", () => {});
    con.on("close", () => {
      console.log("refused");
      process.exit(0);
    });
    con.k(expr, (err, res) => {
      console.log(err ? "error: " + err.message : JSON.stringify(res, (k, v) => (v instanceof Long ? v.toString() : v)));
      process.exit(0);
    });
  });
}

function sub(port, out, want, t, syms) {
  nodeq.connect({ host: "127.0.0.1", port, nanos2date: false, long2number: false, flipTables: false }, (err, con) => {
    if (err) throw err;
    let rows = [];
    let last = Date.now();
    con.on("upd", (tbl, x) => {
      rows.push(...rowsOf(tbl, x));
      last = Date.now();
    });
    const collect = () => {
      const deadline = Date.now() + 120000;
      setInterval(() => {
        if ((rows.length >= want && Date.now() - last > 1000) || Date.now() > deadline) {
          writeRows(out, rows);
          process.exit(rows.length >= want ? 0 : 1);
        }
      }, 100);
    };
    if (flag("--async")) {
      // Java's form: ks(".u.sub","trade","IBM"), no answer
      con.ks(".u.sub", t, syms[0], (err) => {
        if (err) throw err;
        console.log("sent");
        collect();
      });
      return;
    }
    con.k(".u.sub", "`" + t, list("symbol", syms), (err, res) => {
      if (err) throw err;
      console.log(JSON.stringify(res[0]));
      collect();
    });
  });
}

// q's compression as c.java describes it (KDB.md): a 256-entry table of
// positions by b[i]^b[i+1], a flag byte per 8 items.
function compress(m) {
  const t = m.length;
  const out = Buffer.alloc(t);
  const a = new Int32Array(256);
  m.copy(out, 0, 0, 4);
  out[2] = 1;
  out.writeInt32LE(t, 8);
  let c0 = 12, d = 13, f = 0, i = 1, s = 8, s0 = 0, h0 = 0, h = 0;
  while (s < t) {
    if (i === 256) {
      if (d > t - 17) return null;
      out[c0] = f;
      c0 = d++;
      f = 0;
      i = 1;
    }
    let g = s > t - 3;
    let p = 0;
    if (!g) {
      h = m[s] ^ m[s + 1];
      p = a[h];
      g = p === 0 || m[s] !== m[p];
    }
    if (s0 > 0) {
      a[h0] = s0;
      s0 = 0;
    }
    if (g) {
      h0 = h;
      s0 = s;
      out[d++] = m[s++];
    } else {
      a[h] = s;
      f |= i;
      p += 2;
      const r = (s += 2);
      const q = Math.min(s + 255, t);
      while (m[p] === m[s] && ++s < q) ++p;
      out[d++] = h;
      out[d++] = s - r;
    }
    i *= 2;
  }
  out[c0] = f;
  out.writeInt32LE(d, 4);
  return out.subarray(0, d);
}

function rawCase(port, which) {
  rawConnect(port, opt("--user"), (err, s, h) => {
    if (err) throw err;
    let msg;
    if (which === "lambda") {
      // ({x+y};1;2): a lambda with its arguments.
      const lambda = Buffer.concat([Buffer.from([100, 0]), body("{x+y}")]);
      msg = frame(1, mixed([lambda, body(atom("long", L(1))), body(atom("long", L(2)))]));
    } else if (which === "upd-text") {
      msg = frame(1, body(".u.upd[`trade;(1#0D12;1#`Q1;1#1.5;1#7)]"));
    } else if (which === "subhex") {
      msg = frame(1, body(".u.sub[`trade;`]"));
    } else if (which === "misfit-async") {
      msg = frame(0, mixed([body("`.u.upd"), body("`trade"), mixed([body("`A"), body(atom("float", 1.5))])]));
      s.write(msg);
      // an async call has no answer: a sync "" after it says it was read
      msg = frame(1, body(""));
    } else if (which === "misfit") {
      msg = frame(1, mixed([body("`.u.upd"), body("`trade"), mixed([body("`A"), body(atom("float", 1.5))])]));
    } else if (which === "symlist") {
      msg = frame(1, body(list("symbol", [".u.sub", "trade", ""])));
    } else if (which === "table") {
      msg = frame(1, updBody(Number(opt("--size") || 900000), "sym"));
    } else if (which === "compressed") {
      // 400 rows (well over q's 2000 bytes), compressed.
      const n = 400, first = Number(opt("--size") || 800000);
      const ks = [...Array(n).keys()].map((i) => first + i);
      const x = mixed([
        body(list("timespan", ks.map((k) => new Date(Date.UTC(2000, 0, 1, 12, 0, 0, k % 1000))))),
        body(list("symbol", ks.map((k) => "Q" + (k % 7)))),
        body(list("float", ks.map((k) => 100 + (k % 13) / 4))),
        body(list("long", ks.map(L))),
      ]);
      const plain = frame(1, mixed([body("`.u.upd"), body("`trade"), x]));
      msg = compress(plain);
      if (!msg || msg.length * 2 > plain.length) throw new Error("the message did not compress");
      // node-q's own decompressor gives the same object back.
      const back = JSON.stringify(deserialize(msg), (k, v) => (v instanceof Long ? v.toString() : v));
      const want = JSON.stringify(deserialize(plain), (k, v) => (v instanceof Long ? v.toString() : v));
      if (back !== want) throw new Error("node-q decompresses it to something else");
      console.error(`compressed ${plain.length} bytes to ${msg.length}`);
    }
    h.message = (type, v, m) => {
      if (which === "subhex") console.log(m.toString("hex"));
      else console.log(type === 2 ? JSON.stringify(v, (k, x) => (x instanceof Long ? x.toString() : x)) : "async?");
      process.exit(0);
    };
    h.close = () => {
      console.log("closed");
      process.exit(0);
    };
    s.write(msg);
  });
}

function stall(port) {
  rawConnect(port, undefined, (err, s, h) => {
    if (err) throw err;
    h.message = () => {
      console.log("subscribed");
      s.pause();  // and never read again
    };
    s.write(frame(1, body(".u.sub[`;`]")));
  });
  setInterval(() => {}, 1000);
}

// Seeds for fuzz/ipc_fuzz.cpp: every request form, every .u.upd form, and
// a compressed message.
function seeds(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const put = (name, m) => fs.writeFileSync(path.join(dir, name), m);
  for (let k = 0; k < 6; k++) {
    put(`upd-str-${k}`, frame(1, updBody(k, "str")));
    put(`upd-sym-${k}`, frame(0, updBody(k, "sym")));
  }
  put("sub-text", frame(1, body(".u.sub[`trade;`IBM`MSFT]")));
  put("sub-rq", frame(1, body("(.u.sub[`;`];`.u `i`L)")));
  put("sub-list", frame(1, mixed([body(".u.sub"), body("`trade"), body(list("symbol", ["A", "B"]))])));
  put("sub-symvec", frame(1, body(list("symbol", [".u.sub", "trade", ""]))));
  const ks = [...Array(300).keys()];
  const x = mixed([
    body(list("timespan", ks.map((k) => new Date(Date.UTC(2000, 0, 1, 12, 0, 0, k))))),
    body(list("symbol", ks.map((k) => "Q" + (k % 7)))),
    body(list("float", ks.map((k) => 100 + (k % 13) / 4))),
    body(list("long", ks.map(L))),
  ]);
  put("compressed", compress(frame(1, mixed([body("`.u.upd"), body("`trade"), x]))));
}

const [cmd, a1, a2, a3, a4, ...rest] = process.argv.slice(2);
const port = Number(a1);
if (cmd === "rq") rq(port, a2, Number(a3));
else if (cmd === "feed") feed(port, Number(a2), Number(a3));
else if (cmd === "feedloop") feedloop(port, Number(a2), Number(a3), a4);
else if (cmd === "ask") ask(port, a2);
else if (cmd === "sub") sub(port, a2, Number(a3), a4, rest.filter((x) => !x.startsWith("--")));
else if (cmd === "raw") rawCase(port, a2);
else if (cmd === "stall") stall(port);
else if (cmd === "seeds") seeds(a2);
else {
  console.error("usage: see the head of qclient.js");
  process.exit(2);
}
