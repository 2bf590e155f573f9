// tick-ws's dashboard: a table picker, the last row of every sym (cells flash
// as they change), and a chart of one sym seeded from today's history
// (GET /api/query, or the subscription's own recent rows when tick-ws has no
// --hdb/--log) and then extended by the live updates; candles (and a VWAP
// line) when the table has open/high/low/close columns. Reconnects with
// backoff. The protocol is man tick-ws's; nothing here is evaluated from the
// network.
(function () {
  "use strict";
  const LC = window.LightweightCharts;
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  const withToken = (qs) => (token ? (qs ? qs + "&" : "") + "token=" + encodeURIComponent(token) : qs);
  const wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" +
    (token ? "?" + withToken("") : "");

  const $ = (id) => document.getElementById(id);
  const picker = $("table"), statusEl = $("status"), note = $("note");
  const head = $("grid-head"), body = $("grid-body"), countsEl = $("counts"), chartTitle = $("chart-title");

  let tables = [];           // [{name, columns:[{name,type}]}]
  let hasHistory = true;     // tick-ws has --hdb or --log (/api/tables says)
  let table = null;          // the chosen table's schema
  let cols = [];             // the grid's columns, in order
  let rows = new Map();      // sym -> last row
  let trs = new Map();       // sym -> its <tr>
  let dirty = new Set();     // syms whose rows changed since the last frame
  let frame = 0;
  let ws = null, backoff = 500, ended = false;
  let updates = 0, lastUpdates = 0, rate = 0;

  function setStatus(state, text) {
    statusEl.className = "status " + state;
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  // -- times: ISO timestamps ("2026-12-02T18:21:57.489511000Z") or times of day
  function millis(v) {
    if (typeof v !== "string") return NaN;
    const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d{1,3})?/.exec(v);
    if (m) return Date.parse(m[1] + "T" + m[2] + (m[3] || "") + "Z");
    const d = /^(?:0D)?(\d\d):(\d\d):(\d\d)(\.\d+)?$/.exec(v);
    if (d) {
      const day = new Date(); day.setUTCHours(0, 0, 0, 0);
      return day.getTime() + ((+d[1] * 60 + +d[2]) * 60 + +d[3]) * 1000 + Math.floor(parseFloat(d[4] || "0") * 1000);
    }
    return NaN;
  }
  const timeCol = () => (table ? table.columns.find((c) => c.type === "timestamp" || c.type === "timespan" || c.name === "time") : null);
  // Prices as a desk reads them: each sym's floats at a fixed number of
  // decimals (the most it has shown, up to 6), so a column does not jump as
  // 287.5 becomes 287.52; counts with thousands separators.
  const decimals = new Map();  // sym -> decimals of its floats
  const INTS = ["long", "int", "short", "byte"];
  const isPriceLike = (c) => (c.type === "float" || c.type === "real");
  const fmt = (c, v, sym) => {
    if (v === null || v === undefined) return "";
    if (c.type === "timestamp" && typeof v === "string") return v.slice(11, 23);
    if (isPriceLike(c) && typeof v === "number") {
      // (a VWAP or mean has 17 digits; 8 significant ones are what a grid shows)
      const s = String(Number(v.toPrecision(8))), dot = s.indexOf(".");
      const d = Math.min(6, Math.max(decimals.get(sym) || 2, dot < 0 ? 0 : s.length - dot - 1));
      decimals.set(sym, d);
      return v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: false });
    }
    if (INTS.includes(c.type) && typeof v === "number") return v.toLocaleString("en-US");
    return String(v);
  };
  const number = (text) => parseFloat(String(text).replace(/,/g, ""));

  // -- the grid
  function buildGrid() {
    const tc = timeCol();
    const rest = table.columns.filter((c) => c.name !== "sym" && c !== tc);
    cols = [table.columns.find((c) => c.name === "sym"), ...rest, tc].filter(Boolean);
    head.replaceChildren(...cols.map((c) => {
      const th = document.createElement("th");
      th.textContent = c.name;
      if (c.name === "sym") th.className = "sym";
      return th;
    }));
    body.replaceChildren();
    trs = new Map();
  }
  function rowFor(sym) {
    let tr = trs.get(sym);
    if (tr) return tr;
    tr = document.createElement("tr");
    tr.dataset.sym = sym;
    for (const c of cols) {
      const td = document.createElement("td");
      if (c.name === "sym") td.className = "sym";
      tr.appendChild(td);
    }
    tr.addEventListener("click", () => choose(sym));
    tr.hidden = !shown(sym);
    // in sym order
    let before = null;
    for (const [s, other] of trs) if (s > sym && (!before || s < before.dataset.sym)) before = other;
    body.insertBefore(tr, before);
    trs.set(sym, tr);
    if (sym === chart.sym) tr.classList.add("chosen");
    return tr;
  }
  // A changed cell flashes: prices green up, red down; other numbers (a
  // size is not "down" for being smaller) in a neutral colour.
  function paint(sym, flash) {
    const row = rows.get(sym), tr = rowFor(sym);
    cols.forEach((c, i) => {
      const td = tr.children[i], text = fmt(c, row[c.name], sym);
      if (td.textContent === text) return;
      const before = number(td.textContent), after = number(text);
      td.textContent = text;
      if (!flash || c.name === "sym" || c === timeCol()) return;
      const color = !isPriceLike(c) ? "#3a4656" : after > before ? "#26a69a" : after < before ? "#ef5350" : "#3a4656";
      td.dataset.flash = color === "#26a69a" ? "up" : color === "#ef5350" ? "down" : "same";
      td.animate([{ backgroundColor: color, color: "#fff" }, { backgroundColor: "transparent" }], { duration: 800, easing: "ease-out" });
    });
  }
  // The sym filter: rows whose sym holds its text (case-insensitive).
  const filterEl = $("filter");
  const shown = (sym) => !filterEl.value || sym.toUpperCase().includes(filterEl.value.trim().toUpperCase());
  filterEl.addEventListener("input", () => { for (const [sym, tr] of trs) tr.hidden = !shown(sym); });
  function render() {
    frame = 0;
    for (const sym of dirty) paint(sym, true);
    dirty.clear();
  }

  // -- the chart
  const chart = { api: null, main: null, vwap: null, ask: null, kind: "line", value: null, sym: null, last: 0, points: 0,
                  seeding: false, pending: [], source: "", gen: 0 };
  function chartInit() {
    chart.api = LC.createChart($("chart"), {
      autoSize: true,
      layout: { background: { color: "#0f1419" }, textColor: "#d7dde4" },
      grid: { vertLines: { color: "#1c2530" }, horzLines: { color: "#1c2530" } },
      timeScale: { timeVisible: true, secondsVisible: true },
    });
  }
  function chartSeries() {
    if (chart.main) chart.api.removeSeries(chart.main);
    if (chart.vwap) chart.api.removeSeries(chart.vwap);
    if (chart.ask) chart.api.removeSeries(chart.ask);
    chart.main = chart.vwap = chart.ask = null;
    const has = (n) => table.columns.some((c) => c.name === n);
    if (["open", "high", "low", "close"].every(has)) {
      chart.kind = "candles";
      chart.main = chart.api.addSeries(LC.CandlestickSeries, { upColor: "#26a69a", downColor: "#ef5350", borderVisible: false,
                                                               wickUpColor: "#26a69a", wickDownColor: "#ef5350" });
      if (has("vwap")) chart.vwap = chart.api.addSeries(LC.LineSeries, { color: "#f5c542", lineWidth: 1, title: "vwap" });
    } else if (!has("price") && has("bid") && has("ask")) {
      // Quotes: the bid and the ask, two lines.
      chart.kind = "quotes";
      chart.value = (r) => r.bid;
      chart.main = chart.api.addSeries(LC.LineSeries, { color: "#26a69a", lineWidth: 2, title: "bid" });
      chart.ask = chart.api.addSeries(LC.LineSeries, { color: "#ef5350", lineWidth: 2, title: "ask" });
    } else {
      chart.kind = "line";
      const numeric = table.columns.filter((c) => ["float", "real", "long", "int", "short"].includes(c.type));
      chart.value = has("price") ? (r) => r.price : numeric.length ? ((n) => (r) => r[n])(numeric[0].name) : null;
      chart.main = chart.api.addSeries(LC.LineSeries, { color: "#4aa3ff", lineWidth: 2 });
    }
  }
  // A row as the chart's point(s): times in whole seconds (a line keeps the
  // last value of each second).
  function point(row) {
    const tc = timeCol(), ms = tc ? millis(row[tc.name]) : NaN;
    if (!isFinite(ms)) return null;
    const time = Math.floor(ms / 1000);
    if (chart.kind === "candles") return { time, open: row.open, high: row.high, low: row.low, close: row.close, vwap: row.vwap };
    const value = chart.value ? chart.value(row) : null;
    if (!(typeof value === "number" && isFinite(value))) return null;
    return chart.ask ? { time, value, ask: row.ask } : { time, value };
  }
  function chartAdd(row) {
    if (chart.seeding) { chart.pending.push(row); return; }
    const p = point(row);
    if (!p || p.time < chart.last) return;  // (a late row: the chart does not go back)
    try {
      chart.main.update(chart.kind === "candles" ? { time: p.time, open: p.open, high: p.high, low: p.low, close: p.close }
                                                 : { time: p.time, value: p.value });
      if (chart.vwap && typeof p.vwap === "number") chart.vwap.update({ time: p.time, value: p.vwap });
      if (chart.ask && typeof p.ask === "number") chart.ask.update({ time: p.time, value: p.ask });
    } catch (e) { return; }
    if (p.time > chart.last) chart.points++;
    chart.last = p.time;
  }
  function chartSeed(list) {
    const byTime = new Map();
    for (const r of list) { const p = point(r); if (p) byTime.set(p.time, p); }
    const pts = [...byTime.values()].sort((a, b) => a.time - b.time);
    chart.main.setData(chart.kind === "candles" ? pts.map((p) => ({ time: p.time, open: p.open, high: p.high, low: p.low, close: p.close }))
                                                : pts.map((p) => ({ time: p.time, value: p.value })));
    if (chart.vwap) chart.vwap.setData(pts.filter((p) => typeof p.vwap === "number").map((p) => ({ time: p.time, value: p.vwap })));
    if (chart.ask) chart.ask.setData(pts.filter((p) => typeof p.ask === "number").map((p) => ({ time: p.time, value: p.ask })));
    chart.points = pts.length;
    chart.last = pts.length ? pts[pts.length - 1].time : 0;
    chart.seeding = false;
    const later = chart.pending; chart.pending = [];
    for (const r of later) chartAdd(r);
    // (a short history fills the width; a long one shows its recent end)
    if (pts.length < 300) chart.api.timeScale().fitContent();
    else chart.api.timeScale().scrollToRealTime();
  }
  // Today's history of the chosen sym: /api/query (the last 30 minutes of
  // ticks, the whole day of bars); without --hdb/--log, the recent rows that
  // tick-ws keeps (a subscription with "history").
  function choose(sym) {
    if (!table || !sym) return;
    if (chart.sym && trs.get(chart.sym)) trs.get(chart.sym).classList.remove("chosen");
    chart.sym = sym;
    if (trs.get(sym)) trs.get(sym).classList.add("chosen");
    const u = new URL(location.href);
    u.searchParams.set("sym", sym);
    history.replaceState(null, "", u);
    chartSeries();
    chart.seeding = true; chart.pending = []; chart.points = 0; chart.last = 0;
    const gen = ++chart.gen, name = table.name;
    chartTitle.textContent = name + " · " + sym + " · loading history…";
    const last = rows.get(sym), tc = timeCol();
    const ms = last && tc ? millis(last[tc.name]) : Date.now();
    const q = new URLSearchParams({ table: name, syms: sym, limit: "20000" });
    if (isFinite(ms)) {
      q.set("date", new Date(ms).toISOString().slice(0, 10));
      if (chart.kind !== "candles") q.set("from", new Date(ms - 30 * 60 * 1000).toISOString());
    }
    // (no history to ask for: the recent rows, without a 400 in the console)
    if (!hasHistory) { recent(sym, name, gen); return; }
    fetch("/api/query?" + withToken(q.toString()))
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((list) => { if (gen === chart.gen) { chart.source = "history"; done(list); } })
      .catch(() => { if (gen === chart.gen) recent(sym, name, gen); });
    function done(list) {
      chartSeed(list);
      chartTitle.textContent = name + " · " + sym + " · " +
        (chart.source === "recent rows" ? list.length + " recent rows" : chart.source === "history" ? list.length + " rows of today's history" : "no history") +
        ", then live";
    }
    function recent(sym, name, gen) {
      const s = new WebSocket(wsUrl);
      s.onopen = () => s.send(JSON.stringify({ action: "subscribe", table: name, syms: [sym], history: 1000 }));
      s.onmessage = (ev) => {
        const m = JSON.parse(ev.data);
        if (m.type !== "snapshot" && m.type !== "error") return;
        s.close();
        if (gen !== chart.gen) return;
        chart.source = "recent rows";
        done(m.type === "snapshot" ? (m.history && m.history.length ? m.history : m.rows) : []);
      };
      s.onerror = () => { if (gen === chart.gen && chart.seeding) { chart.source = "nothing"; done([]); } };
    }
  }

  // -- the connection
  function subscribe() {
    if (ws && ws.readyState === WebSocket.OPEN && table) ws.send(JSON.stringify({ action: "subscribe", table: table.name, id: table.name }));
  }
  function connect() {
    ws = new WebSocket(wsUrl);
    ws.onopen = () => { backoff = 500; setStatus("live", "live"); subscribe(); };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m.type === "snapshot" && table && m.table === table.name) {
        for (const r of m.rows) { rows.set(r.sym, r); paint(r.sym, false); }
        const wanted = params.get("sym");
        if (!chart.sym && wanted && rows.has(wanted)) choose(wanted);
        else if (!chart.sym || !rows.has(chart.sym)) choose([...rows.keys()].sort()[0]);
        else if (!chart.points) choose(chart.sym);
      } else if (m.type === "update" && table && m.table === table.name) {
        for (const r of m.rows) {
          rows.set(r.sym, r);
          dirty.add(r.sym);
          updates++;
          if (r.sym === chart.sym) chartAdd(r);
          else if (!chart.sym) choose(r.sym);
        }
        if (!frame) frame = requestAnimationFrame(render);
      } else if (m.type === "eod") {
        note.textContent = "end of day " + m.date;
      } else if (m.type === "end") {
        ended = true;
        setStatus("ended", "stream ended · last state");
      } else if (m.type === "error") {
        note.textContent = m.error;
        if (/unknown table/.test(m.error)) setTimeout(subscribe, 1000);  // (not in the stream yet)
      }
    };
    ws.onclose = () => {
      const wait = backoff;
      backoff = Math.min(backoff * 2, 10000);
      setStatus("reconnecting", "reconnecting in " + (wait / 1000).toFixed(1) + " s");
      setTimeout(connect, wait);
    };
  }

  // -- tables: the picker; the list is looked at again for tables that come later
  function useTable(name) {
    table = tables.find((t) => t.name === name);
    if (!table) return;
    picker.value = name;
    const u = new URL(location.href);
    u.searchParams.set("table", name);
    history.replaceState(null, "", u);
    rows = new Map(); dirty.clear(); decimals.clear(); chart.sym = null; chart.points = 0;
    buildGrid();
    chartSeries();
    chartTitle.textContent = name;
    subscribe();
  }
  function loadTables() {
    fetch("/api/tables" + (token ? "?" + withToken("") : ""))
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((j) => {
        const known = new Set(tables.map((t) => t.name));
        tables = j.tables.filter((t) => t.live !== false);  // (a table only the HDB has is queried, not streamed)
        hasHistory = j.history !== false;
        for (const t of tables) {
          if (known.has(t.name)) continue;
          const o = document.createElement("option");
          o.value = o.textContent = t.name;
          picker.appendChild(o);
        }
        if (!table && tables.length) {
          const want = params.get("table");
          useTable(tables.some((t) => t.name === want) ? want : tables.some((t) => t.name === "trade") ? "trade" : tables[0].name);
          if (!ws) connect();
        }
        if (!tables.length) note.textContent = "waiting for the stream to declare a table";
        setTimeout(loadTables, table ? 5000 : 1000);
      })
      .catch((e) => {
        setStatus("error", e === 401 ? "a token is required (?token=…)" : "tick-ws unreachable");
        setTimeout(loadTables, 2000);
      });
  }
  picker.addEventListener("change", () => useTable(picker.value));
  setInterval(() => {
    rate = updates - lastUpdates; lastUpdates = updates;
    countsEl.textContent = rows.size + " syms · " + updates + " updates · " + rate + "/s" + (chart.sym ? " · chart " + chart.points + " points" : "");
  }, 1000);

  // For tests and the curious: what the page holds.
  window.tickDashboard = {
    state: () => statusEl.dataset.state,
    table: () => (table ? table.name : null),
    syms: () => rows.size,
    updates: () => updates,
    chart: () => ({ sym: chart.sym, kind: chart.kind, points: chart.points, source: chart.source, seeding: chart.seeding,
                    vwap: chart.vwap ? chart.vwap.data().length : 0, ask: chart.ask ? chart.ask.data().length : 0,
                    title: chartTitle.textContent }),
    choose,
  };

  chartInit();
  loadTables();
})();
