// The dashboard in a real browser: Debian's chromium, driven by npm's
// playwright-core. node dashboard.js URL SCREENSHOT STEP
//   load:      the page loads, the grid fills and its cells change, the
//              chart draws points and pixels, a reload reconnects; the
//              screenshot is saved.
//   reconnect: the page is live; the caller restarts tick-ws (it waits for
//              the file "restarted" in its directory); the page shows it
//              lost the connection, then is live again with rows.
//   candles:   the chosen table has open/high/low/close: the chart is candles.
// Prints one line per check; exits 1 naming the first that failed.
"use strict";
const path = require("path");
const fs = require("fs");
const { chromium } = require(path.join(__dirname, "..", "node", "node_modules", "playwright-core"));

const [url, shot, step] = process.argv.slice(2);
const fail = (what) => { console.error("FAIL: " + what); process.exit(1); };
const pass = (what) => console.log("ok: " + what);

// Polls fn in the page until it returns a truthy value (up to ms).
async function until(page, what, fn, arg, ms = 20000) {
  try {
    return await page.waitForFunction(fn, arg, { timeout: ms, polling: 100 });
  } catch (e) {
    const state = await page.evaluate(() => window.tickDashboard && {
      state: window.tickDashboard.state(), syms: window.tickDashboard.syms(), updates: window.tickDashboard.updates(),
      chart: window.tickDashboard.chart(), status: document.getElementById("status").textContent,
      note: document.getElementById("note").textContent });
    fail(what + " (page: " + JSON.stringify(state) + ")");
  }
}
const gridText = (page) => page.evaluate(() => [...document.querySelectorAll("#grid-body tr")].map((tr) => tr.textContent).join("\n"));
// Pixels of the chart's canvases that are not its background.
const inked = (page) => page.evaluate(() => {
  let n = 0;
  for (const c of document.querySelectorAll("#chart canvas")) {
    if (!c.width || !c.height) continue;
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4)
      if (d[i + 3] > 0 && !(d[i] === 0x0f && d[i + 1] === 0x14 && d[i + 2] === 0x19)) n++;
  }
  return n;
});

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // (a missing favicon is a console error and a 404 too)
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  page.on("response", (r) => { if (r.status() >= 400) errors.push(r.status() + " " + r.url()); });
  await page.goto(url);

  await until(page, "the page goes live", () => window.tickDashboard && window.tickDashboard.state() === "live");
  pass("live");
  await until(page, "the grid has rows", () => document.querySelectorAll("#grid-body tr").length > 3);
  pass("grid has " + (await page.evaluate(() => document.querySelectorAll("#grid-body tr").length)) + " rows");

  if (step === "load") {
    const before = await gridText(page);
    await until(page, "the grid's values change", (b) => [...document.querySelectorAll("#grid-body tr")].map((tr) => tr.textContent).join("\n") !== b, before);
    pass("grid changes");
    await until(page, "the chart has points", () => window.tickDashboard.chart().points > 2);
    const chart = await page.evaluate(() => window.tickDashboard.chart());
    if (chart.kind !== "line") fail("a table of ticks is charted as " + chart.kind);
    if (chart.source !== "history") fail("the chart was seeded from " + JSON.stringify(chart.source) + ", not from /api/query");
    pass("chart of " + chart.sym + ": " + chart.points + " points from " + chart.source);
    await page.waitForTimeout(500);
    const ink = await inked(page);
    if (ink < 500) fail("the chart's canvases have " + ink + " drawn pixels");
    pass("chart drew " + ink + " pixels");
    // another sym, chosen by a click
    const second = await page.evaluate(() => document.querySelectorAll("#grid-body tr")[1].dataset.sym);
    await page.click("#grid-body tr:nth-child(2)");
    await until(page, "a click charts that sym", (s) => window.tickDashboard.chart().sym === s && window.tickDashboard.chart().points > 0, second);
    pass("click charts " + second);
    if (new URL(page.url()).searchParams.get("sym") !== second) fail("the chosen sym is not in the URL: " + page.url());
    pass("the URL names the chosen sym");
    // Cells as a desk reads them: each sym's prices at one number of
    // decimals, sizes with thousands separators, flashes only on prices.
    await page.waitForTimeout(1500);
    const cells = await page.evaluate(() => {
      const names = [...document.querySelectorAll("#grid-head th")].map((th) => th.textContent);
      return [...document.querySelectorAll("#grid-body tr")].map((tr) => Object.fromEntries(names.map((n, i) => [n, tr.children[i].textContent, ])))
        .concat([{ flashes: [...document.querySelectorAll("#grid-body td[data-flash]")].map((td) => [td.cellIndex, td.dataset.flash]), names }]);
    });
    const meta = cells.pop();
    for (const r of cells) if (!/^\d+\.\d\d+$/.test(r.price)) fail("a price not at fixed decimals: " + JSON.stringify(r));
    if (!cells.some((r) => /^\d{1,3}(,\d{3})+$/.test(r.size))) fail("no size with a thousands separator: " + JSON.stringify(cells.slice(0, 5)));
    const sizeAt = meta.names.indexOf("size");
    if (meta.flashes.some(([i, f]) => i === sizeAt && f !== "same")) fail("a size flashed as a price move");
    pass("prices at fixed decimals, sizes grouped, sizes flash neutral (" + cells.length + " rows)");
    // The filter box narrows the list.
    await page.fill("#filter", "aa");
    const vis = await page.evaluate(() => [...document.querySelectorAll("#grid-body tr")].filter((tr) => !tr.hidden).map((tr) => tr.dataset.sym));
    if (!vis.length || vis.some((s) => !s.includes("AA")) || vis.length === cells.length) fail("the filter shows " + JSON.stringify(vis));
    pass("the filter shows " + vis.join(", "));
    await page.fill("#filter", "");
    // Quotes: bid and ask, two lines.
    await page.selectOption("#table", "quote");
    await until(page, "quotes chart bid and ask", () => window.tickDashboard.chart().kind === "quotes" && window.tickDashboard.chart().ask > 0);
    pass("quotes: " + JSON.stringify(await page.evaluate(() => window.tickDashboard.chart())));
    await page.selectOption("#table", "trade");
    await until(page, "back to trades", () => window.tickDashboard.chart().kind === "line" && window.tickDashboard.chart().points > 0);
    await page.screenshot({ path: shot });
    pass("screenshot " + shot);
    await page.reload();
    await until(page, "a reload goes live again", () => window.tickDashboard && window.tickDashboard.state() === "live");
    await until(page, "a reload fills the grid again", () => document.querySelectorAll("#grid-body tr").length > 3);
    pass("reload reconnects");
  } else if (step === "reconnect") {
    fs.writeFileSync(path.join(path.dirname(shot), "page-live"), "");
    await until(page, "the page sees tick-ws gone", () => window.tickDashboard.state() === "reconnecting", null, 30000);
    pass("sees the connection lost: " + (await page.evaluate(() => document.getElementById("status").textContent)));
    await until(page, "the page is live again after tick-ws restarted", () => window.tickDashboard.state() === "live", null, 30000);
    const u = await page.evaluate(() => window.tickDashboard.updates());
    await until(page, "updates flow again", (n) => window.tickDashboard.updates() > n, u);
    pass("live again, updates flow");
  } else if (step === "candles") {
    await until(page, "the chart has candles", () => window.tickDashboard.chart().kind === "candles" && window.tickDashboard.chart().points > 0);
    const chart = await page.evaluate(() => window.tickDashboard.chart());
    if (chart.source !== "history") fail("the candles were seeded from " + JSON.stringify(chart.source) + ", not from /api/query");
    pass("candles: " + JSON.stringify(chart));
    await page.screenshot({ path: shot });
  } else if (step === "live-candles") {
    // tick-agg's bars: seeded from the journal, with a VWAP line, then new
    // bars from the live stream extend the chart.
    await until(page, "the chart has candles and a VWAP line",
                () => window.tickDashboard.chart().kind === "candles" && window.tickDashboard.chart().points > 0 && window.tickDashboard.chart().vwap > 0);
    const seeded = await page.evaluate(() => window.tickDashboard.chart());
    if (seeded.source !== "history") fail("the candles were seeded from " + JSON.stringify(seeded.source) + ", not from /api/query");
    pass("candles and VWAP from the journal: " + JSON.stringify(seeded));
    await until(page, "live bars extend the chart", (n) => window.tickDashboard.chart().points > n && window.tickDashboard.chart().vwap > n, seeded.points, 30000);
    pass("live bars: " + JSON.stringify(await page.evaluate(() => window.tickDashboard.chart())));
    await page.screenshot({ path: shot });
  }
  // (a restarted server refuses connections for a while: the browser says so)
  const real = errors.filter((e) => !(step === "reconnect" && /ERR_CONNECTION_REFUSED/.test(e)));
  if (real.length) fail("errors in the page: " + real.join("; "));
  pass("no errors in the page");
  await browser.close();
})().catch((e) => fail(String(e && e.stack || e)));
