// auditgrep serve: the page. Plain JavaScript, no dependencies: the machine may be air-gapped.
// Everything that comes from the logs is put in the page as text (textContent), never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const SVGNS = "http://www.w3.org/2000/svg";
const HISTORY_KEY = "auditgrep.history";

let info = null;       // GET /api/info
let current = null;    // the run going on: {controller, id}
let result = null;     // the last run's result: {columns, stats, rows, hist, query}
let chartMode = "line";

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmtBytes(n) {
  const u = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return (i ? n.toFixed(1) : n) + " " + u[i];
}

// Times are UTC throughout, like the CLI's output.
function fmtTime(ms, withMs) {
  const s = new Date(ms).toISOString().replace("T", " ").replace("Z", "");
  return withMs ? s : s.slice(0, 19);
}

function cellText(v) {
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

// ---- setup -----------------------------------------------------------------------------------

async function init() {
  const r = await fetch("/api/info");
  info = await r.json();
  $("version").textContent = info.version || "";
  for (const root of info.roots) {
    const cb = el("input", { type: "checkbox", "data-root": String(root.index) });
    cb.checked = true;
    $("roots").append(el("label", { title: root.dir ? "directory" : "file" }, cb, " " + root.path));
  }
  for (const p of info.presets) {
    $("presets").append(el("li", { onclick: () => pickPreset(p), title: p.query },
      p.name, el("span", { class: "desc" }, p.description)));
  }
  $("run").addEventListener("click", run);
  $("cancel").addEventListener("click", cancel);
  $("clearRange").addEventListener("click", () => { $("start").value = ""; $("end").value = ""; });
  $("eventClose").addEventListener("click", () => { $("event").hidden = true; });
  $("clearHistory").addEventListener("click", () => { localStorage.removeItem(HISTORY_KEY); showHistory(); });
  $("query").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  });
  for (const b of $("chartModes").querySelectorAll("button")) {
    b.addEventListener("click", () => {
      chartMode = b.dataset.mode;
      for (const o of $("chartModes").querySelectorAll("button")) o.classList.toggle("on", o === b);
      drawResultChart();
    });
  }
  // Leaving the page ends its run on the server (the aborted request cancels it).
  window.addEventListener("pagehide", () => { if (current) current.controller.abort(); });
  showHistory();
}

function chosenRoots() {
  const all = [...$("roots").querySelectorAll("input")];
  const on = all.filter((c) => c.checked).map((c) => c.dataset.root);
  if (on.length === 0) return null;
  return on.length === all.length ? [] : on;
}

// datetime-local values are read as UTC; the end is inclusive to the last millisecond of the
// second (or minute) it names, like a date given to --end.
function rangeValue(id) {
  const v = $(id).value;
  if (!v) return "";
  const full = v.length === 16 ? v + (id === "end" ? ":59" : ":00") : v;
  return full + (id === "end" && !full.includes(".") ? ".999Z" : "Z");
}

function setRange(startMs, endMs) {
  const f = (ms) => new Date(ms).toISOString().slice(0, 19);
  $("start").value = f(startMs);
  $("end").value = f(endMs);
}

// ---- presets and history ---------------------------------------------------------------------

function pickPreset(p) {
  const form = $("presetForm");
  form.replaceChildren();
  if (p.params.length === 0) {
    $("query").value = p.query;
    form.hidden = true;
    return;
  }
  form.hidden = false;
  form.append(el("strong", {}, p.name));
  const inputs = {};
  for (const pp of p.params) {
    const i = el("input", { type: "text", placeholder: pp.default || "" });
    inputs[pp.name] = i;
    form.append(el("label", {}, pp.name + (pp.required ? " (required)" : "") + ": " + pp.help, i));
  }
  const err = el("div", { class: "error" });
  form.append(el("button", { type: "button", onclick: async () => {
    const u = new URLSearchParams({ name: p.name });
    for (const [k, i] of Object.entries(inputs)) if (i.value) u.set("p." + k, i.value);
    const r = await fetch("/api/preset?" + u);
    const j = await r.json();
    if (!r.ok) { err.textContent = j.error; return; }
    err.textContent = "";
    $("query").value = j.query;
  } }, "Use this preset"), err);
}

function history() {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY)) || []; } catch { return []; }
}

function remember(q) {
  const h = history().filter((x) => x !== q);
  h.unshift(q);
  localStorage.setItem(HISTORY_KEY, JSON.stringify(h.slice(0, 50)));
  showHistory();
}

function showHistory() {
  const ul = $("history");
  ul.replaceChildren();
  for (const q of history()) {
    ul.append(el("li", { title: q, onclick: () => { $("query").value = q; } }, q.replace(/\s+/g, " ")));
  }
  if (!ul.children.length) ul.append(el("li", { class: "muted" }, "The queries run in this browser."));
}

// ---- discovered fields -----------------------------------------------------------------------

// addField adds a field to the query's fields command, or starts one.
function addField(name) {
  const ref = /^[@A-Za-z_][A-Za-z0-9_.@]*$/.test(name) ? name : "`" + name.replace(/`/g, "``") + "`";
  const ta = $("query");
  const q = ta.value;
  const m = /(^|\|)(\s*fields\s+)([^|\n]*)/.exec(q);
  if (m) {
    const at = m.index + m[1].length + m[2].length + m[3].replace(/\s+$/, "").length;
    ta.value = q.slice(0, at) + ", " + ref + q.slice(at);
  } else {
    ta.value = "fields @timestamp, @message, " + ref + (q.trim() ? "\n| " + q.replace(/^\s*\|\s*/, "") : "");
  }
  ta.focus();
}

function showFields(f) {
  const ul = $("fields");
  ul.replaceChildren();
  for (const x of f.fields) {
    ul.append(el("li", { title: "add " + x.name + " to fields", onclick: () => addField(x.name) },
      el("span", { class: "count" }, String(x.count)), x.name));
  }
  $("fieldsNote").textContent = "Fields of the " + f.rows + " row(s) shown" + (f.capped ? " (the first " + f.fields.length + " names)" : "") +
    ". Click one to add it to fields.";
}

// ---- running ---------------------------------------------------------------------------------

function resetResult(query) {
  result = { columns: [], stats: false, rows: [], hist: null, query, problems: 0 };
  $("queryError").hidden = true;
  $("problems").hidden = true;
  $("problemList").replaceChildren();
  $("result").hidden = true;
  $("rows").tHead.replaceChildren();
  $("rows").tBodies[0].replaceChildren();
  $("chart").replaceChildren();
  $("chartTitle").textContent = "";
  $("chartModes").hidden = true;
  $("statsLine").textContent = "";
  $("rowsNote").textContent = "";
  $("event").hidden = true;
}

function setRunning(on) {
  $("run").disabled = on;
  $("cancel").disabled = !on;
  $("progress").hidden = !on;
}

async function run() {
  if (current) return;
  const query = $("query").value;
  const body = { query, start: rangeValue("start"), end: rangeValue("end"), roots: chosenRoots() };
  resetResult(query);
  if (body.roots === null) {
    showError({ error: "No path is chosen: tick at least one of the paths in the header." });
    return;
  }
  const controller = new AbortController();
  current = { controller, id: null };
  setRunning(true);
  $("statusText").textContent = "Starting…";
  $("progress").value = 0;
  let ended = false;
  try {
    const r = await fetch("/api/run", { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" }, signal: controller.signal });
    if (!r.ok) {
      const j = await r.json().catch(() => ({ error: r.statusText }));
      showError(j);
      return;
    }
    remember(query);
    setDownloads(body);
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line) ended = onMessage(JSON.parse(line)) || ended;
      }
    }
    if (!ended) $("statusText").textContent = "The connection ended before the run did.";
  } catch (e) {
    if (e.name === "AbortError") $("statusText").textContent = "Canceled: the result covers only the input read so far.";
    else $("statusText").textContent = "Error: " + e.message;
  } finally {
    current = null;
    setRunning(false);
  }
}

async function cancel() {
  if (!current) return;
  const c = current;
  // The aborted request stops the run by itself; /api/cancel makes sure of it.
  if (c.id) fetch("/api/cancel?id=" + encodeURIComponent(c.id), { method: "POST" }).catch(() => {});
  c.controller.abort();
}

function showError(j) {
  const pre = $("queryError");
  pre.hidden = false;
  pre.textContent = j.query ? j.query.text : j.error;
  $("statusText").textContent = j.query ? "The query has an error." : "Not run.";
}

function onMessage(m) {
  switch (m.type) {
    case "start":
      current.id = m.id;
      result.columns = m.columns;
      result.stats = m.stats;
      result.maxRows = m.maxRows;
      result.total = m.totalBytes;
      $("result").hidden = false;
      $("rows").tHead.append(el("tr", {}, ...m.columns.map((c) => el("th", {}, c))));
      $("statusText").textContent = "Reading " + m.files + " file(s), " + fmtBytes(m.totalBytes) + "…";
      break;
    case "problem":
      result.problems++;
      $("problems").hidden = false;
      $("problemList").append(el("li", {}, m.msg));
      $("problemsSummary").textContent = result.problems + " input problem(s): skipped or cut short; the run goes on";
      break;
    case "row":
      addRow(m);
      break;
    case "progress":
      $("progress").max = Math.max(m.total, 1);
      $("progress").value = m.bytes;
      $("statusText").textContent = "Read " + fmtBytes(m.bytes) + " of " + fmtBytes(m.total) +
        (m.total ? " (" + Math.round(100 * m.bytes / m.total) + "%)" : "") + ", " + result.rows.length + " row(s) so far";
      if (m.hist) { result.hist = m.hist; drawHistogram(); }
      break;
    case "fields":
      showFields(m.fields);
      break;
    case "end":
      onEnd(m);
      return true;
  }
  return false;
}

function addRow(m) {
  const i = result.rows.length;
  result.rows.push(m);
  const tr = el("tr", {}, ...result.columns.map((c) => el("td", {}, cellText(m.row[c]).slice(0, 300))));
  if (!result.stats) {
    tr.className = "event-row";
    tr.addEventListener("click", () => showEvent(i, tr));
  }
  $("rows").tBodies[0].append(tr);
}

function onEnd(m) {
  $("statsLine").textContent = m.statsLine;
  let s = m.canceled ? "Canceled: the result covers only the input read so far. " : "Done. ";
  if (m.error) s = "Error: " + m.error + ". ";
  $("statusText").textContent = s + m.rowsOut + " row(s)" + (m.problems ? ", " + m.problems + " input problem(s)" : "") + ".";
  const listed = $("problemList").children.length;
  if (m.problems > listed) {
    $("problemList").append(el("li", { class: "muted" }, "… and " + (m.problems - listed) + " more (the page lists the first " + listed + ")"));
    $("problemsSummary").textContent = m.problems + " input problem(s): skipped or cut short; the run goes on";
  }
  $("rowsNote").textContent = m.rowsOut > m.shown
    ? "Showing the first " + m.shown + " of " + m.rowsOut + " rows (the page keeps at most " + m.maxRows + "); the downloads have them all."
    : m.shown + " row(s).";
  if (result.stats) drawResultChart();
  else drawHistogram();
}

function showEvent(i, tr) {
  for (const o of $("rows").querySelectorAll("tr.sel")) o.classList.remove("sel");
  tr.classList.add("sel");
  const m = result.rows[i];
  const ev = Object.assign({}, m.row);
  if (m.event !== undefined) ev["@message"] = m.event;
  $("eventJSON").textContent = JSON.stringify(ev, null, 2);
  $("event").hidden = false;
}

function setDownloads(body) {
  for (const [id, fmt] of [["dlJSON", "json"], ["dlCSV", "csv"], ["dlParquet", "parquet"]]) {
    const u = new URLSearchParams({ q: body.query, format: fmt });
    if (body.start) u.set("start", body.start);
    if (body.end) u.set("end", body.end);
    for (const r of body.roots) u.append("root", r);
    $(id).href = "/api/download?" + u;
  }
}

// ---- charts ----------------------------------------------------------------------------------

const W = 1000, H = 180, PADL = 50, PADB = 22, PADT = 8;

function niceMax(v) {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function axes(g, yMax, x0ms, x1ms) {
  g.append(svg("line", { class: "axis", x1: PADL, y1: H - PADB, x2: W, y2: H - PADB }));
  g.append(svg("line", { class: "axis", x1: PADL, y1: PADT, x2: PADL, y2: H - PADB }));
  g.append(svg("text", { x: PADL - 4, y: PADT + 8, "text-anchor": "end" }, String(yMax)));
  g.append(svg("text", { x: PADL - 4, y: H - PADB, "text-anchor": "end" }, "0"));
  g.append(svg("text", { x: PADL, y: H - 6 }, fmtTime(x0ms)));
  g.append(svg("text", { x: W, y: H - 6, "text-anchor": "end" }, fmtTime(x1ms)));
}

function drawHistogram() {
  const chart = $("chart");
  if (result.stats) return;
  const h = result.hist;
  chart.replaceChildren();
  if (!h) {
    $("chartTitle").textContent = "No histogram: the result has no @timestamp column.";
    return;
  }
  $("chartTitle").textContent = "Matching rows over time (" + h.count + ", bars of " + fmtWidth(h.width) + ")";
  if (!h.buckets.length) return;
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", id: "histogram" });
  const yMax = niceMax(Math.max(...h.buckets.map((b) => b[1])));
  const n = h.buckets.length;
  const bw = (W - PADL) / n;
  h.buckets.forEach(([t, c]) => {
    const x = PADL + ((t - h.buckets[0][0]) / h.width) * bw;
    const bh = (c / yMax) * (H - PADB - PADT);
    const r = svg("rect", { class: "bar", x: x + 0.5, y: H - PADB - bh, width: Math.max(bw - 1, 0.5), height: bh });
    r.append(svg("title", {}, fmtTime(t) + " – " + fmtTime(t + h.width) + ": " + c + "  (click: set the time range)"));
    r.addEventListener("click", () => setRange(t, t + h.width - 1));
    s.append(r);
  });
  axes(s, yMax, h.buckets[0][0], h.buckets[n - 1][0] + h.width);
  chart.append(s);
}

function fmtWidth(ms) {
  for (const [u, d] of [["d", 86400e3], ["h", 3600e3], ["m", 60e3], ["s", 1e3]]) {
    if (ms % d === 0) return ms / d + u;
  }
  return ms + "ms";
}

// drawResultChart draws a stats result with a time column (bin()) as a line or bar chart; a
// stats result without one is a table only.
function drawResultChart() {
  const chart = $("chart");
  chart.replaceChildren();
  const rows = result.rows;
  // The time column is the one most rows have a time in (a bin() column: an event without a
  // timestamp makes a row without one, left out of the chart).
  let timeCol = null, best = 0;
  for (const c of result.columns) {
    const n = rows.filter((r) => r.ts && r.ts[c] !== undefined).length;
    if (n > best) { timeCol = c; best = n; }
  }
  const timed = rows.filter((r) => timeCol && r.ts && r.ts[timeCol] !== undefined);
  if (!timeCol) {
    $("chartTitle").textContent = "";
    $("chartModes").hidden = true;
    return;
  }
  const numCols = result.columns.filter((c) => c !== timeCol && rows.some((r) => typeof r.row[c] === "number"));
  const groupCols = result.columns.filter((c) => c !== timeCol && !numCols.includes(c));
  if (!numCols.length) return;
  // One series per (group values, number column); the ten largest are drawn.
  const series = new Map();
  for (const r of timed) {
    const g = groupCols.map((c) => cellText(r.row[c])).join(" / ");
    for (const c of numCols) {
      const v = r.row[c];
      if (typeof v !== "number") continue;
      const key = [g, numCols.length > 1 || !g ? c : ""].filter((x) => x).join(" · ");
      if (!series.has(key)) series.set(key, { key, pts: [], sum: 0 });
      const s = series.get(key);
      s.pts.push([r.ts[timeCol], v]);
      s.sum += Math.abs(v);
    }
  }
  const drawn = [...series.values()].sort((a, b) => b.sum - a.sum).slice(0, 10);
  const xs = timed.map((r) => r.ts[timeCol]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  const yMax = niceMax(Math.max(...drawn.flatMap((s) => s.pts.map((p) => p[1]))));
  $("chartTitle").textContent = "By " + timeCol + (series.size > drawn.length ? " (the 10 largest of " + series.size + " series)" : "") +
    (timed.length < rows.length ? "; " + (rows.length - timed.length) + " row(s) without a time are in the table only" : "");
  $("chartModes").hidden = false;
  const s = svg("svg", { viewBox: `0 0 ${W} ${H + 14 * Math.ceil(drawn.length / 3)}`, id: "statsChart" });
  const colors = ["#0972d3", "#e07941", "#2ea597", "#8456ce", "#c33d69", "#688ae8", "#962249", "#096f64", "#b2911c", "#5f6b7a"];
  const span = Math.max(x1 - x0, 1);
  const times = [...new Set(xs)].sort((a, b) => a - b);
  let step = Infinity;
  for (let i = 1; i < times.length; i++) step = Math.min(step, times[i] - times[i - 1]);
  if (!isFinite(step)) step = span;
  const plotW = W - PADL - 10;
  const xOf = (t) => PADL + 5 + ((t - x0) / (span + step)) * plotW;
  const yOf = (v) => H - PADB - (v / yMax) * (H - PADB - PADT);
  drawn.forEach((se, i) => {
    const color = colors[i % colors.length];
    const pts = se.pts.slice().sort((a, b) => a[0] - b[0]);
    if (chartMode === "bar") {
      const bw = Math.max((step / (span + step)) * plotW / drawn.length - 1, 1);
      for (const [t, v] of pts) {
        const r = svg("rect", { x: xOf(t) + i * (bw + 1), y: yOf(v), width: bw, height: H - PADB - yOf(v), fill: color });
        r.append(svg("title", {}, se.key + " " + fmtTime(t) + ": " + v));
        s.append(r);
      }
    } else {
      s.append(svg("polyline", { fill: "none", stroke: color, "stroke-width": 2,
        points: pts.map(([t, v]) => xOf(t + step / 2) + "," + yOf(v)).join(" ") }));
      for (const [t, v] of pts) {
        const c = svg("circle", { cx: xOf(t + step / 2), cy: yOf(v), r: 2.5, fill: color });
        c.append(svg("title", {}, se.key + " " + fmtTime(t) + ": " + v));
        s.append(c);
      }
    }
    const lg = svg("g", { class: "legend" });
    const lx = PADL + (i % 3) * 320, ly = H + 10 + 14 * Math.floor(i / 3);
    lg.append(svg("rect", { x: lx, y: ly - 8, width: 10, height: 10, fill: color }));
    lg.append(svg("text", { x: lx + 14, y: ly + 1 }, se.key || numCols[0]));
    s.append(lg);
  });
  axes(s, yMax, x0, x1 + step);
  chart.append(s);
}

init();
