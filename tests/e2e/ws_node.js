// tick-ws with node's ws as the client (an independent peer): snapshot and
// history against a reference from tick-cat, errors that leave the
// connection open, ping, /stream/SYM.
// usage: node ws_node.js BASE_URL REFERENCE.json (the stream's trades, one JSON row a line)
const WebSocket = require(require('path').join(__dirname, '../node/node_modules/ws'));
const fs = require('fs');
const [base, refPath] = process.argv.slice(2);
const trades = fs.readFileSync(refPath, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
let checks = 0;
const check = (cond, what) => { if (!cond) { console.error('FAIL: ' + what); process.exit(1); } checks++; };
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const inbox = [], waiters = [];
    ws.on('message', (d) => { const m = JSON.parse(d.toString()); const w = waiters.shift(); w ? w(m) : inbox.push(m); });
    ws.next = () => new Promise((res) => { const m = inbox.shift(); m ? res(m) : waiters.push(res); });
    ws.until = async (type) => { for (;;) { const m = await ws.next(); if (m.type === type) return m; } };
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
}

(async () => {
  const ws = await open(base + '/ws');
  ws.send(JSON.stringify({ action: 'subscribe', table: 'trade', syms: ['MSFT', 'AAPL'], history: 4, id: 'n1' }));
  const snap = await ws.until('snapshot');
  const last = {};
  for (const r of trades) last[r.sym] = r;
  check(snap.id === 'n1', 'the snapshot echoes the id');
  const bySym = (a, b) => (a.sym < b.sym ? -1 : 1);
  check(same([...snap.rows].sort(bySym), [last.AAPL, last.MSFT]), 'the snapshot: the last AAPL and MSFT trades');
  for (const s of ['AAPL', 'MSFT'])
    check(same(snap.history.filter((r) => r.sym === s), trades.filter((r) => r.sym === s).slice(-4)), `${s}: 4 rows of history`);
  ws.send('{"action":');
  check((await ws.until('error')).error.startsWith('malformed JSON'), 'malformed JSON: an error');
  ws.send(JSON.stringify({ action: 'subscribe', table: 'bars', id: 3 }));
  const e = await ws.until('error');
  check(e.id === 3 && e.error.includes('unknown table "bars"'), 'an unknown table: an error naming it');
  ws.send(JSON.stringify({ action: 'ping', id: 4 }));
  check((await ws.until('pong')).id === 4, 'ping answered after the errors');
  ws.close();
  const st = await open(base + '/stream/GOOG');
  const s2 = await st.until('snapshot');
  const goog = trades.filter((r) => r.sym === 'GOOG').map((r) => ({ time: r.time, price: r.price, size: r.size }));
  check(s2.sym === 'GOOG' && same(s2.data, goog.slice(-50)), "/stream/GOOG: GOOG's last 50 trades as time, price, size");
  st.close();
  console.log(`ws_node: ${checks} checks`);
})().catch((err) => { console.error('FAIL: ' + err); process.exit(1); });
