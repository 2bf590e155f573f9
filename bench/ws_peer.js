// The node peer of tick-ws's benchmark: a broadcast server on npm's ws (the
// usual node WebSocket server). It waits for CONNS clients, then sends each
// line of MESSAGES (tick-ws's own update messages, recorded) to every
// client, yielding to the loop every 64 messages and waiting while a client
// has more than 4 MiB unsent; then it stays up until killed.
// usage: node ws_peer.js PORT CONNS MESSAGES
"use strict";
const fs = require("fs");
const path = require("path");
const { WebSocketServer } = require(path.join(__dirname, "..", "tests", "node", "node_modules", "ws"));
const [port, want, file] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const messages = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length);
const clients = new Set();
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });
const tick = () => new Promise((r) => setImmediate(r));
wss.on("connection", (ws) => {
  clients.add(ws);
  ws.on("close", () => clients.delete(ws));
  ws.on("message", () => {});
  if (clients.size === want) setTimeout(send, 300);
});
async function send() {
  for (let i = 0; i < messages.length; i++) {
    for (const c of clients) c.send(messages[i]);
    if (i % 64 === 0) {
      await tick();
      while ([...clients].some((c) => c.bufferedAmount > 4 << 20)) await new Promise((r) => setTimeout(r, 1));
    }
  }
}
