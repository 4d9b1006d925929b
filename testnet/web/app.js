// The Flint testnet view: draws the document the view's process streams
// (/api/events, Server-Sent Events; see doc/testnet-web.md) and sends the
// controls' commands to /api/action, which runs the same flint-testnet
// command a user would type. No library: plain DOM and SVG.
"use strict";

const TOKEN = document.querySelector('meta[name="flint-token"]').content;
const SVGNS = "http://www.w3.org/2000/svg";
const PALETTE = ["#2e7d32", "#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#c62828",
  "#4e342e", "#ad1457", "#827717", "#37474f"];
let state = null;
// Past this many nodes the network is drawn one circle per tip, not per node,
// and the tables and controls shorten; the checkbox overrides it either way.
const GROUP_ABOVE = 48, TABLE_ROWS = 100;
let grouping = null;          // null: automatic; true or false: the user's choice
const grouped = s => grouping ?? s.nodes.length > GROUP_ABOVE;

function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVGNS, tag.slice(4))
    : document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
const short = h => h ? h.slice(0, 8) : "—";
const clock = ms => ms == null ? "" : new Date(ms).toISOString().slice(11, 23);

// One colour per distinct tip, the most-work chain's tip first.
function tipColours(s) {
  const byHash = new Map(s.blocks.map(b => [b.hash, b]));
  const tips = [...new Set(s.nodes.filter(n => n.answering && n.tip).map(n => n.tip))];
  tips.sort((a, b) => ((byHash.get(b) || {}).height || 0) - ((byHash.get(a) || {}).height || 0)
    || (((byHash.get(b) || {}).trunk ? 1 : 0) - ((byHash.get(a) || {}).trunk ? 1 : 0)));
  const m = new Map();
  tips.forEach((t, i) => m.set(t, PALETTE[i % PALETTE.length]));
  return m;
}

function linkClass(d) {
  if (d.blocked) return "cut";
  if (d.delay_ms || d.jitter_ms || d.bandwidth_kbit || d.loss_pct) return "slow";
  return "up";
}
function linkLabel(d) {
  const parts = [];
  if (d.delay_ms) parts.push(d.delay_ms + (d.jitter_ms ? "±" + d.jitter_ms : "") + "ms");
  if (d.bandwidth_kbit) parts.push(d.bandwidth_kbit + "kbit");
  if (d.loss_pct) parts.push(d.loss_pct + "%");
  return parts.join(" ");
}

// "0-3,7,9-12": node indexes (sorted) as ranges, the form partition takes.
function ranges(ix) {
  const out = [];
  for (let i = 0; i < ix.length; i++) {
    let j = i;
    while (j + 1 < ix.length && ix[j + 1] == ix[j] + 1) j++;
    out.push(j > i ? ix[i] + "-" + ix[j] : String(ix[i]));
    i = j;
  }
  return out.join(",");
}

// The nodes by what they hold: one group per tip (most work first), then
// those without one, not answering, stopped.
function tipGroups(s, colours) {
  const order = [...colours.keys(), "no tip", "not answering", "stopped"];
  const key = nd => !nd.running ? "stopped" : !nd.answering ? "not answering" : nd.tip || "no tip";
  const by = new Map(order.map(k => [k, []]));
  const of = new Array(s.nodes.length);
  s.nodes.forEach((nd, i) => { of[i] = key(nd); (by.get(of[i]) || by.set(of[i], []).get(of[i])).push(nd); });
  return {groups: [...by].filter(([, v]) => v.length).map(([k, v]) => ({key: k, nodes: v})), of};
}

function drawGroups(svg, s, colours) {
  const {groups, of} = tipGroups(s, colours);
  const k = groups.length, cx = 220, cy = 220, r = k > 1 ? 150 : 0, n = s.nodes.length;
  const pos = new Map(groups.map((g, i) => [g.key, [cx + r * Math.sin(2 * Math.PI * i / k),
    cy - r * Math.cos(2 * Math.PI * i / k)]]));
  // Links between two groups, counted; cut when either direction is.
  const between = new Map();
  for (const l of s.links) {
    const ga = of[l.a], gb = of[l.b];
    if (ga == gb) continue;
    const id = ga < gb ? ga + "|" + gb : gb + "|" + ga;
    const e = between.get(id) || between.set(id, {a: ga, b: gb, links: 0, cut: 0}).get(id);
    e.links++;
    if (l.ab.blocked || l.ba.blocked) e.cut++;
  }
  for (const e of between.values()) {
    const [x1, y1] = pos.get(e.a), [x2, y2] = pos.get(e.b);
    const state = e.cut == e.links ? "cut" : "up";
    svg.appendChild(el("svg:line", {x1, y1, x2, y2, class: "link grouplink " + state,
      "data-links": e.links, "data-cut": e.cut, "data-state": state}));
    svg.appendChild(el("svg:text", {x: (x1 + x2) / 2 + 4, y: (y1 + y2) / 2 - 4},
      `${e.links} link${e.links == 1 ? "" : "s"}` + (e.cut ? `, ${e.cut} cut` : "")));
  }
  for (const g of groups) {
    const [x, y] = pos.get(g.key), first = g.nodes[0];
    const tip = colours.has(g.key) ? g.key : "";
    const gr = el("svg:g", {class: "node group" + (g.key == "stopped" ? " down" : ""), "data-tip": tip,
      "data-count": g.nodes.length, "data-nodes": ranges(g.nodes.map(nd => nd.index)),
      transform: `translate(${x},${y})`});
    gr.appendChild(el("svg:title", {}, `nodes ${ranges(g.nodes.map(nd => nd.index))}`));
    gr.appendChild(el("svg:circle", {r: 16 + 40 * Math.sqrt(g.nodes.length / n),
      fill: colours.get(g.key) || "#ccc"}));
    gr.appendChild(el("svg:text", {"text-anchor": "middle", dy: 4, style: "fill:#fff;font-weight:600"},
      g.nodes.length));
    const below = 28 + 40 * Math.sqrt(g.nodes.length / n), who = ranges(g.nodes.map(nd => nd.index));
    gr.appendChild(el("svg:text", {"text-anchor": "middle", dy: below},
      tip ? `h ${first.height} · ${short(tip)}` : g.key));
    gr.appendChild(el("svg:text", {"text-anchor": "middle", dy: below + 13},
      "nodes " + (who.length > 28 ? who.slice(0, 27) + "…" : who)));
    svg.appendChild(gr);
  }
}

function drawNetwork(s, colours) {
  const svg = document.getElementById("network");
  svg.replaceChildren();
  if (grouped(s)) return drawGroups(svg, s, colours);
  const n = s.nodes.length, cx = 220, cy = 220, r = n > 1 ? 170 : 0;
  const pos = s.nodes.map((_, i) => [cx + r * Math.sin(2 * Math.PI * i / n),
    cy - r * Math.cos(2 * Math.PI * i / n)]);
  for (const l of s.links) {
    const [x1, y1] = pos[l.a], [x2, y2] = pos[l.b];
    const len = Math.hypot(x2 - x1, y2 - y1) || 1, ox = -(y2 - y1) / len * 3, oy = (x2 - x1) / len * 3;
    for (const [dir, d, sx, sy, ex, ey] of [["ab", l.ab, x1 + ox, y1 + oy, x2 + ox, y2 + oy],
      ["ba", l.ba, x2 - ox, y2 - oy, x1 - ox, y1 - oy]]) {
      const line = el("svg:line", {x1: sx, y1: sy, x2: ex, y2: ey, class: "link " + linkClass(d),
        "data-edge": l.a + "-" + l.b, "data-dir": dir, "data-state": linkClass(d)});
      line.appendChild(el("svg:title", {}, `${dir == "ab" ? l.a + "→" + l.b : l.b + "→" + l.a}: ` +
        (d.blocked ? "cut" : linkLabel(d) || "up")));
      svg.appendChild(line);
    }
    const label = linkLabel(l.ab) || linkLabel(l.ba);
    if (label) svg.appendChild(el("svg:text", {x: (x1 + x2) / 2 + 4, y: (y1 + y2) / 2 - 4}, label));
  }
  s.nodes.forEach((nd, i) => {
    const g = el("svg:g", {class: "node" + (nd.running ? "" : " down"), "data-node": i,
      "data-tip": nd.tip || "", transform: `translate(${pos[i][0]},${pos[i][1]})`});
    g.appendChild(el("svg:circle", {r: 18, fill: colours.get(nd.tip) || "#ccc"}));
    g.appendChild(el("svg:text", {"text-anchor": "middle", dy: 4, style: "fill:#fff;font-weight:600"}, i));
    g.appendChild(el("svg:text", {"text-anchor": "middle", dy: 32},
      nd.running ? "h " + nd.height : "stopped"));
    svg.appendChild(g);
  });
}

// What fault was in force at time t (ms), from the journal: the answer to "why this fork".
function faultAt(s, t) {
  let partition = null;
  const cuts = new Map(), killed = new Set(), skews = new Map();
  for (const e of s.journal) {
    if (e.time > t) break;
    if (e.what == "partition") partition = e.detail;
    else if (e.what == "isolate") partition = "node " + e.detail + " isolated";
    else if (e.what == "heal") { partition = null; cuts.clear(); }
    else if (e.what == "kill") killed.add(e.detail);
    else if (e.what == "start" || e.what == "restart") killed.delete(e.detail);
    else if (e.what == "skew") skews.set(e.detail.split(" ")[0], e.detail);
    else if (e.what == "link") {
      const [edge, ...rest] = e.detail.split(" ");
      if (rest.join(" ") == "clear" || edge == "clear") cuts.clear();
      else if (/\bup\b/.test(e.detail)) cuts.delete(edge);
      else cuts.set(edge, e.detail);
    }
  }
  const parts = [];
  if (partition) parts.push("partition " + partition);
  for (const v of cuts.values()) parts.push("link " + v);
  for (const k of killed) parts.push("node " + k + " down");
  for (const v of skews.values()) if (!/ 0$/.test(v)) parts.push("skew " + v);
  return parts.length ? parts.join(", ") : "no fault (propagation delay)";
}

function drawTree(s, colours) {
  const svg = document.getElementById("tree");
  svg.replaceChildren();
  if (!s.blocks.length) return;
  const byHash = new Map(s.blocks.map(b => [b.hash, b]));
  const kids = new Map();
  for (const b of s.blocks) {
    if (!kids.has(b.prev)) kids.set(b.prev, []);
    kids.get(b.prev).push(b);
  }
  const minH = Math.min(...s.blocks.map(b => b.height)), maxH = Math.max(...s.blocks.map(b => b.height));
  // Lanes: the trunk on lane 0; each side branch, found from its root, on a lane of its own.
  const lane = new Map();
  let lanes = 1;
  for (const b of s.blocks) if (b.trunk) lane.set(b.hash, 0);
  const forks = [];
  const roots = s.blocks.filter(b => !b.trunk && (!byHash.has(b.prev) || byHash.get(b.prev).trunk))
    .sort((a, b) => a.height - b.height);
  // The child leading to the highest block keeps its parent's lane; the others fork off.
  const reach = new Map();
  function top(b) {
    if (!reach.has(b.hash))
      reach.set(b.hash, Math.max(b.height, ...(kids.get(b.hash) || []).map(top)));
    return reach.get(b.hash);
  }
  function place(b, l) {
    lane.set(b.hash, l);
    const ch = (kids.get(b.hash) || []).filter(c => !c.trunk).sort((x, y) => top(y) - top(x));
    ch.forEach((c, i) => {
      if (i > 0) forks.push({root: c, lane: lanes});
      place(c, i == 0 ? l : lanes++);
    });
  }
  for (const r of roots) {
    forks.push({root: r, lane: lanes});
    place(r, lanes++);
  }
  const X = h => 16 + (h - minH) * 34, Y = l => 34 + l * 46;
  svg.setAttribute("width", X(maxH) + 260);
  svg.setAttribute("height", Y(lanes) + 10);
  for (const b of s.blocks) {
    const p = byHash.get(b.prev);
    if (p) svg.appendChild(el("svg:path", {class: "edge",
      d: `M${X(p.height) + 22},${Y(lane.get(p.hash)) + 7} L${X(b.height)},${Y(lane.get(b.hash)) + 7}`}));
  }
  for (const b of s.blocks) {
    const kind = b.invalid ? "invalid" : b.trunk ? "trunk" : "side";
    const x = X(b.height), y = Y(lane.get(b.hash));
    const r = el("svg:rect", {x, y, width: 22, height: 14, rx: 2, class: "blk " + kind,
      "data-hash": b.hash, "data-kind": kind, "data-height": b.height});
    const reached = b.reach.filter(v => v != null);
    r.appendChild(el("svg:title", {}, `height ${b.height} ${b.hash}\n${kind}` +
      (reached.length ? `, first seen ${clock(Math.min(...reached))}, on ${b.reached ?? reached.length} node(s)` : "")));
    svg.appendChild(r);
    if (b.invalid) svg.appendChild(el("svg:text", {x: x + 7, y: y + 11, style: "fill:#fff"}, "✕"));
    b.tips.forEach((n, k) => {
      svg.appendChild(el("svg:circle", {cx: x + 5 + k * 9, cy: y - 7, r: 4, fill: colours.get(b.hash) || "#999",
        "data-tip-of": n}));
      svg.appendChild(el("svg:text", {x: x + 2 + k * 9, y: y - 13, style: "font-size:9px"}, n));
    });
    if (b.height % 5 == 0 && lane.get(b.hash) == 0)
      svg.appendChild(el("svg:text", {x, y: Y(0) + 28, style: "font-size:9px;fill:#889"}, b.height));
  }
  for (const f of forks) {
    const t = Math.min(...f.root.reach.filter(v => v != null), Infinity);
    const when = isFinite(t) ? t : f.root.time * 1000;
    const label = el("svg:text", {class: "forklabel", x: X(f.root.height), y: Y(f.lane) + 27,
      "data-fork": f.root.hash}, `fork at ${f.root.height} · ${clock(when)} · ${faultAt(s, when)}`);
    svg.appendChild(label);
  }
}

function drawNodes(s, colours) {
  const body = document.querySelector("#nodes tbody");
  body.replaceChildren();
  const rows = grouped(s) ? s.nodes.slice(0, TABLE_ROWS) : s.nodes;
  for (const n of rows) {
    const tr = el("tr", {class: n.running ? "" : "down", "data-node": n.index});
    const tip = el("td", {class: "tip"});
    tip.appendChild(el("i", {style: `background:${colours.get(n.tip) || "#ccc"}`}));
    tip.appendChild(document.createTextNode(n.running ? short(n.tip) : "—"));
    const off = n.time_offset ? (n.time_offset > 0 ? "+" : "") + n.time_offset + " s" : "0";
    tr.append(el("td", {}, `${n.index} (${n.ip})`), el("td", {}, n.running ? (n.answering ? "up" : "not answering") : "stopped"),
      el("td", {}, n.running ? n.height : ""), tip, el("td", {}, n.running ? n.peers : ""),
      el("td", {}, n.running ? n.mempool : ""), el("td", {}, n.miner ? (n.mining ? "mining" : "miner (idle)") : "no"),
      el("td", {}, off), el("td", {}, n.running ? n.bans : ""));
    body.appendChild(tr);
  }
  if (rows.length < s.nodes.length)
    body.appendChild(el("tr", {class: "more"})).appendChild(el("td", {colspan: 9},
      `… and ${s.nodes.length - rows.length} more nodes (flint-testnet status --all)`));
}

function drawTimeline(s) {
  const items = [];
  const faults = new Set(["partition", "heal", "isolate", "kill", "start", "restart", "skew", "link"]);
  for (const e of s.journal) items.push({t: e.time, cls: faults.has(e.what) ? "fault" : "note",
    text: `${e.what} ${e.detail}`});
  for (const r of s.reorgs) items.push({t: r.time, cls: "reorg",
    text: `node ${r.node} reorganised ${r.depth} block(s) deep, fork at height ${r.fork_height} (${short(r.from)} → ${short(r.to)})`});
  const running = s.nodes.filter(n => n.running).length;
  for (const b of s.blocks) {
    const got = b.reach.filter(v => v != null);
    if (!got.length) continue;
    const first = Math.min(...got), last = Math.max(...got);
    const spread = (b.reached ?? got.length) >= running ? `reached all ${running} nodes in ${last - first} ms`
      : `on ${got.length} of ${running} nodes`;
    items.push({t: first, cls: b.trunk ? "" : "stale",
      text: `block ${b.height} ${short(b.hash)}${b.trunk ? "" : " (side branch)"}${b.invalid ? " INVALID" : ""}: ${spread}`});
  }
  items.sort((a, b) => b.t - a.t);
  const ol = document.getElementById("timeline");
  ol.replaceChildren();
  for (const it of items.slice(0, 80)) {
    const li = el("li", {class: it.cls});
    li.append(el("span", {class: "t"}, clock(it.t)), document.createTextNode(it.text));
    ol.appendChild(li);
  }
}

function drawSlo(s) {
  const body = document.querySelector("#slo tbody");
  body.replaceChildren();
  if (!s.slo) { body.appendChild(el("tr", {}, "")).appendChild(el("td", {}, "not measured yet")); return; }
  const rows = Array.isArray(s.slo.slo) ? s.slo.slo : null;
  if (rows) {
    // Each row: its indicator, the value and objective (fields named with their unit), the verdict.
    const fmt = (v, unit) => v == null ? "—" : unit == "ratio" ? (100 * v).toFixed(1) + "%" : v.toFixed(3) + " s";
    for (const r of rows) {
      const key = Object.keys(r).find(k => /_(s|ratio)$/.test(k) && !k.startsWith("objective_"));
      const unit = key ? key.replace(/.*_/, "") : "s";
      const tr = el("tr", {title: r.note || ""});
      tr.append(el("td", {}, r.indicator), el("td", {}, fmt(key ? r[key] : null, unit)),
        el("td", {}, "objective " + fmt(r["objective_" + unit], unit)),
        el("td", {class: r.pass ? "" : "warn"}, r.result));
      body.appendChild(tr);
    }
    return;
  }
  for (const [k, v] of Object.entries(s.slo)) {
    if (typeof v == "object" && v !== null) continue;
    const tr = el("tr");
    tr.append(el("td", {}, k), el("td", {}, typeof v == "number" ? +v.toFixed(3) : v));
    body.appendChild(tr);
  }
}

function syncControls(s) {
  const groups = document.getElementById("groups"), n = s.nodes.length;
  if (n > GROUP_ABOVE) {
    // A select per node stops helping past a few dozen: the groups as text, ranges allowed.
    if (!document.getElementById("groups-text"))
      groups.replaceChildren(el("input", {id: "groups-text", size: 24,
        value: `0-${Math.ceil(n / 2) - 1}/${Math.ceil(n / 2)}-${n - 1}`, title: "e.g. 0-499/500-999"}));
  } else if (groups.children.length != n || document.getElementById("groups-text")) {
    groups.replaceChildren();
    s.nodes.forEach((n, i) => {
      const sel = el("select", {"data-node": i, title: "node " + i});
      for (const g of ["A", "B", "C"]) sel.appendChild(el("option", {value: g}, `${i}:${g}`));
      sel.value = i < s.nodes.length / 2 ? "A" : "B";
      groups.appendChild(sel);
    });
  }
  for (const sel of document.querySelectorAll("select.nodes")) {
    if (sel.options.length == s.nodes.length) continue;
    sel.replaceChildren(...s.nodes.map(n => el("option", {value: n.index}, "node " + n.index)));
  }
  const edges = document.getElementById("link-edge"), want = s.links.map(l => l.a + "-" + l.b);
  if ([...edges.options].map(o => o.value).join() != want.join()) {
    edges.replaceChildren(...want.map(e => el("option", {value: e}, e)));
    edges.appendChild(el("option", {value: "all"}, "all"));
  }
}

function render(s) {
  state = s;
  const colours = tipColours(s);
  const up = s.nodes.filter(n => n.running && n.answering);
  const tips = new Set(up.map(n => n.tip));
  document.getElementById("summary").textContent = `${s.testnet.n} nodes, ${s.testnet.topology}, ` +
    `${s.testnet.block_time} s blocks` + (s.testnet.partition ? ` · partition ${s.testnet.partition}` : "") +
    (s.testnet.relay ? "" : " · link relay not running");
  const agree = document.getElementById("agree");
  agree.textContent = tips.size <= 1 ? `all ${up.length} running nodes agree` : `${tips.size} different tips`;
  agree.className = "pill" + (tips.size <= 1 ? "" : " warn");
  agree.dataset.tips = tips.size;
  document.getElementById("group-tips").checked = grouped(s);
  drawNetwork(s, colours);
  drawTree(s, colours);
  drawNodes(s, colours);
  drawTimeline(s);
  drawSlo(s);
  syncControls(s);
}

// ---- actions: the same flint-testnet commands, their output shown ----
async function run(args) {
  const out = document.getElementById("output");
  out.className = "";
  out.textContent = "$ flint-testnet " + args.join(" ") + "\n…";
  try {
    const r = await fetch("api/action", {method: "POST", headers: {"Content-Type": "application/json",
      "X-Flint-Token": TOKEN}, body: JSON.stringify({args})});
    const j = await r.json();
    out.textContent = "$ flint-testnet " + args.join(" ") + "\n" + (j.output || (j.ok ? "done" : "failed"));
    out.className = j.ok ? "" : "error";
    out.dataset.ok = j.ok ? "1" : "0";
  } catch (e) {
    out.textContent = "$ flint-testnet " + args.join(" ") + "\nthe view did not answer: " + e;
    out.className = "error";
    out.dataset.ok = "0";
  }
}

function groupsText() {
  const text = document.getElementById("groups-text");
  if (text) return text.value.trim();
  const by = {};
  for (const sel of document.querySelectorAll("#groups select")) (by[sel.value] = by[sel.value] || []).push(sel.dataset.node);
  return Object.keys(by).sort().map(g => by[g].join(",")).join("/");
}

function wire() {
  document.getElementById("group-tips").addEventListener("change", e => {
    grouping = e.target.checked;
    if (state) render(state);
  });
  document.getElementById("f-partition").addEventListener("submit", e => {
    e.preventDefault();
    run(document.getElementById("by-ban").checked ? ["partition", "--ban", groupsText()] : ["partition", groupsText()]);
  });
  document.getElementById("b-heal").addEventListener("click", () => run(["heal"]));
  for (const b of document.querySelectorAll("[data-link]")) b.addEventListener("click", () => {
    let edge = document.getElementById("link-edge").value;
    const dir = document.getElementById("link-dir").value;
    if (edge != "all" && dir != "-") {
      const [a, c] = edge.split("-");
      edge = dir == ">" ? a + ">" + c : c + ">" + a;
    }
    const what = b.dataset.link;
    run(what == "delay" ? ["link", edge, "delay", document.getElementById("link-delay").value || "0"] : ["link", edge, what]);
  });
  document.getElementById("b-link-clear").addEventListener("click", () => run(["link", "clear"]));
  for (const b of document.querySelectorAll("[data-cmd]")) b.addEventListener("click", () => {
    const node = document.getElementById("node-pick").value;
    run(b.dataset.cmd == "skew" ? ["skew", node, document.getElementById("skew-s").value || "0"] : [b.dataset.cmd, node]);
  });
  document.getElementById("f-attack").addEventListener("submit", e => {
    e.preventDefault();
    run(["attack", document.getElementById("attack-node").value, document.getElementById("attack-kind").value]);
  });
  document.getElementById("f-faucet").addEventListener("submit", e => {
    e.preventDefault();
    run(["faucet", document.getElementById("faucet-addr").value, document.getElementById("faucet-amount").value]);
  });
}

function connect() {
  const live = document.getElementById("live");
  const es = new EventSource("api/events");
  es.addEventListener("state", ev => {
    live.textContent = "live";
    live.className = "pill";
    render(JSON.parse(ev.data));
  });
  es.onerror = () => { live.textContent = "reconnecting"; live.className = "pill off"; };
}

wire();
connect();
