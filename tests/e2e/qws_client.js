// A browser dashboard's client of a q .z.ws server, as kdb+ shops write
// them (node's ws standing in for the browser): it connects to the root,
// subscribes to syms with no table, and keeps the rows of each
// "trade_update". Prints the status message, then every row as JSON, one a
// line, until it has N rows.
// usage: node qws_client.js ws://HOST:PORT/ SYM,SYM N
const WebSocket = require(require('path').join(__dirname, '../node/node_modules/ws'));
const [url, syms, want] = process.argv.slice(2);
const ws = new WebSocket(url);
let got = 0;
const timer = setTimeout(() => { console.error(`qws_client: ${got} of ${want} rows after 60 s`); process.exit(1); }, 60000);
ws.onopen = () => ws.send(JSON.stringify({ action: 'subscribe', syms: syms.split(',') }));
ws.onmessage = (event) => {
  const msg = JSON.parse(event.data);
  if (msg.status) console.log(JSON.stringify({ status: msg.status, message: msg.message }));
  if (msg.type === 'trade_update') {
    for (const row of msg.data) console.log(JSON.stringify(row));
    got += msg.data.length;
    if (got >= Number(want)) { clearTimeout(timer); ws.close(); }
  }
};
ws.onerror = (e) => { console.error('qws_client: ' + e.message); process.exit(1); };
