// node-q subscribers of tick-q for make bench (node-q's own connection and
// upd events: a q RDB's work, done by an independent client).
//   node nodeq_sub.js count PORT ROWS      subscribes to every table; exits
//                                          when ROWS rows have come, printing
//                                          the seconds from the first update
//   node nodeq_sub.js latency PORT SECS    per row, now minus its time column
//                                          (a paced tick-gen's timestamps);
//                                          prints n p50 p99 p99.9 max (us)
const path = require("path");
const nodeq = require(path.join(__dirname, "node_modules/node-q"));
const { performance } = require("perf_hooks");
const nowUs = () => (performance.timeOrigin + performance.now()) * 1e3;

const [mode, port, arg] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
nodeq.connect({ host: "127.0.0.1", port, nanos2date: false, flipTables: false }, (err, con) => {
  if (err) throw err;
  let rows = 0, first = 0;
  const lat = [];
  con.on("upd", (t, x) => {
    const time = x.time;
    if (!first) first = nowUs();
    rows += time.length;
    if (mode === "latency") {
      const now = nowUs();
      for (const ns of time) lat.push(now - ns / 1e3);
    } else if (rows >= arg) {
      console.log(((nowUs() - first) / 1e6).toFixed(4));
      process.exit(0);
    }
  });
  con.k(".u.sub[`;`]", (err) => {
    if (err) throw err;
    console.error("subscribed");
    if (mode === "latency")
      setTimeout(() => {
        const l = lat.slice(Math.min(Math.floor(lat.length / 5), 100000)).sort((a, b) => a - b);
        const q = (f) => l[Math.floor(f * (l.length - 1))].toFixed(0);
        console.log(`${l.length} ${q(0.5)} ${q(0.99)} ${q(0.999)} ${q(1)}`);
        process.exit(0);
      }, arg * 1000);
  });
});
