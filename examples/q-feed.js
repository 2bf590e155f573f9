// A q feed handler, played by node-q: COUNT trades published with
// .u.upd[`trade;x] (x a list of columns without the time: the tickerplant
// stamps it), sync, so that each answer :: says the rows are journaled.
//
//   node q-feed.js PORT COUNT
const nodeq = require("node-q");
const [port, count] = [Number(process.argv[2] || 5010), Number(process.argv[3] || 100)];
const syms = ["AAPL", "MSFT", "IBM"];
nodeq.connect({ host: "127.0.0.1", port }, (err, con) => {
  if (err) throw err;
  let k = 0;
  const next = () => {
    if (k === count) {
      console.log(`published ${count} trades`);
      process.exit(0);
    }
    const i = k++;
    // sym.q's trade after its time column: sym, price, size, ex, cond
    const x = [nodeq.symbols([syms[i % 3]]), nodeq.floats([100 + (i % 10)]), nodeq.ints([100 * (1 + (i % 5))]),
      nodeq.chars(["Q"]), nodeq.symbols(["QFEED"])];
    con.k(".u.upd", "`trade", x, (err) => {
      if (err) {
        console.error(`.u.upd: ${err.message}`);
        process.exit(1);
      }
      next();
    });
  };
  next();
});
