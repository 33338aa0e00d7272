/**
 * The status page, served as one self-contained HTML document (inline CSS and script, no network
 * access but `status.json` beside it): sensors are often offline, and a compiled binary reads no
 * files at run time. The script polls `status.json` once a second and redraws the node table, two
 * inline-SVG plots and the cluster.log tail.
 *
 * Each node's name links to its `/metrics`. Stable hooks for tests and scripts:
 * `tr[data-node][data-state]` rows in `#nodes`,
 * `svg#plot-events` and `svg#plot-records` with one `polyline[data-node]` per contiguous series,
 * `#clusterlog`, and `body[data-ok]` (1 while the manager answers).
 *
 * @module
 */

const CSS = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1d2330; --mute: #6b7280; --line: #d9dde5;
  --up: #1a7f37; --down: #cf222e; --downbg: #ffebe9; }
@media (prefers-color-scheme: dark) { :root { --bg: #0f1216; --fg: #e6e9ef; --mute: #9aa3b2;
  --line: #2a3038; --downbg: #3a1214; } }
body { margin: 0; padding: 16px 20px; font: 13px/1.4 system-ui, sans-serif; background: var(--bg);
  color: var(--fg); }
h1 { font-size: 17px; margin: 0 0 4px; } h2 { font-size: 14px; margin: 18px 0 6px; }
#conn { color: var(--mute); } body[data-ok="0"] #conn { color: var(--down); font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 3px 6px; border-bottom: 1px solid var(--line); text-align: right;
  white-space: nowrap; font-variant-numeric: tabular-nums; }
th { font-weight: 600; color: var(--mute); font-size: 12px; }
thead tr:first-child th:nth-child(-n+5), td:nth-child(-n+5) { text-align: left; }
th.group { text-align: center; border-bottom: 1px solid var(--line); }
td.id { font-family: ui-monospace, monospace; font-size: 10px; color: var(--mute); }
tr[data-state="down"] td { background: var(--downbg); }
.state { font-weight: 600; } tr[data-state="up"] .state { color: var(--up); }
tr[data-state="down"] .state { color: var(--down); }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; } figcaption { color: var(--mute); font-size: 12px; }
svg { border: 1px solid var(--line); background: var(--bg); }
svg text { fill: var(--mute); font-size: 10px; }
.legend span { margin-right: 12px; white-space: nowrap; }
.legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
#clusterlog { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap;
  border: 1px solid var(--line); padding: 6px 8px; max-height: 320px; overflow: auto; margin: 0; }
a { color: inherit; }
`;

const SCRIPT = `
"use strict";
const COLORS = ["#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04",
  "#4b5563", "#dc2626", "#0d9488"];
const W = 560, H = 150, PAD = 28;
const $ = (s) => document.querySelector(s);
const el = (tag, attrs, text) => {
  const ns = ["svg", "polyline", "line", "text"].includes(tag) ? "http://www.w3.org/2000/svg" : null;
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};
const dur = (s) => {
  if (s === null || s === undefined) return "-";
  s = Math.max(0, Math.floor(s));
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  const p = (n) => String(n).padStart(2, "0");
  if (d > 0) return d + "d" + p(h) + "h";
  if (h > 0) return h + "h" + p(m) + "m";
  if (m > 0) return m + "m" + p(s % 60) + "s";
  return s + "s";
};
const num = (v) => v === null || v === undefined ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(1);
const int = (v) => v === null || v === undefined ? "-" : String(v);
const DROPS = [["xpub", "xpub"], ["onloop", "onloop"], ["logQueue", "log queue"],
  ["logDiscarded", "log discarded"], ["websocketOverflows", "ws overflows"]];

function renderTable(doc) {
  const body = $("#nodes tbody");
  body.replaceChildren();
  for (const n of doc.nodes) {
    const tr = el("tr", { "data-node": n.name, "data-state": n.state });
    const cells = [
      n.name, n.type.toLowerCase(), n.host,
      null, null, dur(n.uptimeS), num(n.eventsInPerS), num(n.eventsOutPerS), num(n.logRecordsPerS),
      ...DROPS.map(([k]) => n.drops ? int(n.drops[k]) : "-"),
      n.storeCloneLagS === null ? "-" : n.storeCloneLagS.toFixed(2) + "s", int(n.websocketClients),
    ];
    cells.forEach((c, i) => {
      const td = el("td");
      if (i === 3) {
        td.className = "state";
        td.textContent = n.state + " " + dur(doc.generatedAt - n.since);
        if (n.scrape.error && n.state === "up") td.title = n.scrape.error;
      } else if (i === 4) {
        td.className = "id";
        td.textContent = n.id || "-";
      } else if (i === 0 && n.metricsUrl) {
        td.append(el("a", { href: n.metricsUrl, title: "its /metrics" }, c));
      } else td.textContent = c;
      tr.append(td);
    });
    body.append(tr);
  }
}

function renderPlot(svg, doc, key) {
  svg.replaceChildren();
  const names = doc.nodes.map((n) => n.name);
  const t = doc.history.t;
  let max = 0;
  for (const name of names) {
    for (const v of doc.history.nodes[name][key]) if (v !== null && v > max) max = v;
  }
  const top = max > 0 ? max * 1.1 : 1;
  const span = Math.max(1, (t.length > 1 ? t[t.length - 1] - t[0] : 1));
  const x = (i) => PAD + (t[i] - t[0]) / span * (W - PAD - 4);
  const y = (v) => H - 14 - v / top * (H - 24);
  svg.append(el("line", { x1: PAD, y1: H - 14, x2: W - 4, y2: H - 14, stroke: "currentColor",
    "stroke-opacity": 0.3 }));
  svg.append(el("text", { x: 2, y: 12 }, num(top)));
  svg.append(el("text", { x: 2, y: H - 16 }, "0"));
  svg.append(el("text", { x: PAD, y: H - 2 }, "-" + dur(span)));
  svg.append(el("text", { x: W - 30, y: H - 2 }, "now"));
  names.forEach((name, ni) => {
    const series = doc.history.nodes[name][key];
    let pts = [];
    const flush = () => {
      if (pts.length > 0) {
        svg.append(el("polyline", { "data-node": name, points: pts.join(" "), fill: "none",
          stroke: COLORS[ni % COLORS.length], "stroke-width": 1.5 }));
      }
      pts = [];
    };
    series.forEach((v, i) => {
      if (v === null) flush();
      else pts.push(x(i).toFixed(1) + "," + y(v).toFixed(1));
    });
    flush();
  });
}

function renderLegend(doc) {
  const legend = $("#legend");
  legend.replaceChildren();
  doc.nodes.forEach((n, i) => {
    const s = el("span");
    s.append(el("i", { style: "background:" + COLORS[i % COLORS.length] }), n.name);
    legend.append(s);
  });
}

function renderLog(doc) {
  const pre = $("#clusterlog");
  if (doc.clusterLog.file === null) {
    pre.textContent = "(cluster.log is not readable from the manager: the logger writes it elsewhere)";
    return;
  }
  pre.textContent = doc.clusterLog.lines.map((l) =>
    new Date(l.ts * 1000).toISOString().replace("T", " ").slice(0, 19) + "  " + l.node + "  " +
    l.message).join("\\n") || "(empty)";
  pre.scrollTop = pre.scrollHeight;
  $("#logfile").textContent = doc.clusterLog.file;
}

async function tick() {
  try {
    const res = await fetch("status.json", { cache: "no-store" });
    if (!res.ok) throw new Error("status.json answered " + res.status);
    const doc = await res.json();
    document.title = "zcluster: " + doc.manager;
    $("#title").textContent = "zcluster status (" + doc.manager + ")";
    renderTable(doc);
    renderPlot($("#plot-events"), doc, "eventsPerS");
    renderPlot($("#plot-records"), doc, "logRecordsPerS");
    renderLegend(doc);
    renderLog(doc);
    document.body.dataset.ok = "1";
    $("#conn").textContent = "updated " + new Date(doc.generatedAt * 1000).toLocaleTimeString() +
      ", every " + doc.intervalS + " s";
  } catch (e) {
    document.body.dataset.ok = "0";
    $("#conn").textContent = "manager unreachable: " + (e && e.message || e);
  }
  setTimeout(tick, 1000);
}
tick();
`;

/** The page: HTML with its CSS and script inline. */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zcluster status</title>
<style>${CSS}</style>
</head>
<body data-ok="">
<h1 id="title">zcluster status</h1>
<div id="conn">loading…</div>
<h2>Nodes</h2>
<table id="nodes">
<thead><tr><th rowspan="2">node</th><th rowspan="2">type</th><th rowspan="2">host</th>
<th rowspan="2">state</th><th rowspan="2">id</th><th rowspan="2">uptime</th><th rowspan="2">events in/s</th>
<th rowspan="2">events out/s</th><th rowspan="2">log records/s</th><th colspan="5" class="group">drops (total)</th>
<th rowspan="2">clone lag</th><th rowspan="2">ws clients</th></tr>
<tr><th title="publishes dropped at the XPUB high-water mark">xpub</th>
<th title="received events dropped, inbound queue full">onloop</th>
<th title="log records dropped before sending or writing">log queue</th>
<th title="log writes a writer discarded">log disc.</th>
<th title="WebSocket clients dropped, outbound buffer full">ws ovf.</th></tr></thead>
<tbody></tbody>
</table>
<h2>Last minutes</h2>
<div class="plots">
<figure><figcaption>events/s (in + out) per node</figcaption>
<svg id="plot-events" width="560" height="150" viewBox="0 0 560 150" role="img" aria-label="events per second"></svg></figure>
<figure><figcaption>log records written/s per node</figcaption>
<svg id="plot-records" width="560" height="150" viewBox="0 0 560 150" role="img" aria-label="log records per second"></svg></figure>
</div>
<div id="legend" class="legend"></div>
<h2>cluster.log <small id="logfile"></small></h2>
<pre id="clusterlog"></pre>
<script>${SCRIPT}</script>
</body>
</html>
`;
