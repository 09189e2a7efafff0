// The lifeline playground: one client against the test server, drawn live.
// Plain browser JavaScript on purpose: no build step, the page runs the
// client's own dist as served at /lib/.
import { topicPanel } from "./topic.js";

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const SVG = "http://www.w3.org/2000/svg";
const WINDOW_MS = 60_000;
const COLORS = {
  idle: "#a8b0bb",
  connecting: "#e8b339",
  open: "#2f9e62",
  reconnecting: "#e0713a",
  closed: "#55606e",
};

const wsUrl = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
$("url").textContent = wsUrl;

/** @type {import("../../packages/client/dist/index.js")} */
let lib;
/** Loaded when acknowledged delivery is first switched on. */
/** @type {import("../../packages/client/dist/at-least-once.js") | undefined} */
let acknowledgedLib;
/** @type {import("../../packages/client/dist/share.js")} */
let shareLib;
try {
  lib = await import("/lib/index.js");
  shareLib = await import("/lib/share.js");
} catch (error) {
  const banner = $("load-error");
  banner.hidden = false;
  banner.textContent =
    `Could not load the client from /lib/index.js (${error instanceof Error ? error.message : error}). ` +
    "Build it and serve the page with `npm start`.";
  throw error;
}

// ---- what happened, kept for drawing --------------------------------------

/** State bands: each starts where the previous one ends. */
const bands = [{ state: "idle", at: performance.now() }];
/** Socket closes, drawn as ticks on the timeline. */
const closes = [];
/** Heartbeat round trips. */
const rtts = [];
/** Queue depth samples. */
const depths = [];
/** Retries: { attempt, delay, outcome }. */
const attempts = [];

let client;
let unsubscribers = [];
let sent = 0;
/** The `seq` of the last numbered server message on the wire (acknowledged mode). */
let serverSeq;

/**
 * The browser's WebSocket, reading each numbered server message's `seq`
 * before the client handles the frame (the client hands its application the
 * data only). Used in acknowledged mode, through the client's `WebSocket` option.
 */
class SeqTapWebSocket extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    this.addEventListener("message", ({ data }) => {
      if (typeof data !== "string" || !data.startsWith('{"t":')) return;
      const frame = JSON.parse(data);
      if (frame.t === "msg" && typeof frame.seq === "number") showServerSeq(frame.seq);
      else if (frame.t === "reset") showServerSeq(undefined);
    });
  }
}

function showServerSeq(seq) {
  serverSeq = seq;
  $("server-seq").textContent = seq === undefined ? "–" : String(seq);
}

// ---- the client -------------------------------------------------------------

function settings() {
  const num = (id) => Number(/** @type {HTMLInputElement} */ ($(id)).value);
  const heartbeatOn = /** @type {HTMLInputElement} */ ($("hb-enabled")).checked;
  return {
    heartbeat: heartbeatOn ? { interval: num("hb-interval"), timeout: num("hb-timeout") } : false,
    backoff: {
      initial: num("backoff-initial"),
      max: num("backoff-max"),
      factor: num("backoff-factor"),
      jitter: /** @type {"full" | "equal" | "none"} */ (/** @type {HTMLSelectElement} */ ($("backoff-jitter")).value),
    },
    connectTimeout: num("connect-timeout"),
  };
}

function describe(options, acknowledged) {
  const hb = options.heartbeat;
  const b = options.backoff;
  $("hb-desc").textContent = hb ? `${hb.interval} ms` : "– (heartbeat off)";
  const jitter = { full: "a random delay up to", equal: "half fixed, half random, up to", none: "exactly" }[b.jitter];
  $("settings-summary").textContent =
    (hb
      ? `After ${hb.interval} ms without a frame the client sends "ping"; no answer within ${hb.timeout} ms and the line is declared dead. `
      : "No heartbeat: a half-open line goes unnoticed. ") +
    `Retry n waits ${jitter} min(${b.max}, ${b.initial}·${b.factor}ⁿ⁻¹) ms; ` +
    `an attempt not open after ${options.connectTimeout} ms counts as failed. ` +
    (acknowledged
      ? "Acknowledged delivery: each message is held until the server acknowledges it and sent again after a reconnect; " +
        "server messages are numbered, replayed after a reconnect and never delivered twice; a server that lost the session says reset."
      : "At-most-once: a message on a socket that dies is gone; what waits in the queue is kept.");
}

async function createPlaygroundClient() {
  const options = settings();
  const switcher = /** @type {HTMLInputElement} */ ($("acknowledged"));
  const acknowledged = switcher.checked;
  let delivery;
  if (acknowledged) {
    try {
      acknowledgedLib ??= await import("/lib/at-least-once.js");
      delivery = { delivery: acknowledgedLib.atLeastOnce(), WebSocket: SeqTapWebSocket };
    } catch (error) {
      log("error", `could not load /lib/at-least-once.js: ${error instanceof Error ? error.message : String(error)}`);
      switcher.checked = false;
      return;
    }
  }
  const shared = /** @type {HTMLInputElement} */ ($("share-enabled")).checked;
  let next;
  try {
    // not connected yet, so the first state change is seen by the handlers below
    next = lib.createClient({
      url: wsUrl,
      ...options,
      ...delivery,
      autoConnect: false,
      // the tabs of this page share one WebSocket: the leader holds it, the others relay through it
      ...(shared && { share: shareLib.acrossTabs({ name: acknowledged ? "playground-acknowledged" : "playground", onRole: (role) => showRole(next, role) }) }),
    });
  } catch (error) {
    // INVALID_OPTIONS names the option: show it and keep the old client
    log("error", error instanceof Error ? error.message : String(error));
    return;
  }
  if (client) {
    client.close(1000, "settings changed");
    for (const off of unsubscribers.splice(0)) off();
  }
  client = next;
  $("role").textContent = shared ? "…" : "own socket";
  $("role").dataset.role = "";
  describe(options, acknowledged);
  document.body.dataset.delivery = acknowledged ? "acknowledged" : "plain";
  showServerSeq(undefined);
  $("acked").textContent = "–";
  log("info", `new client: ${JSON.stringify({ ...options, delivery: acknowledged ? "atLeastOnce()" : "at-most-once" })}`);
  unsubscribers = [
    client.on("state", ({ from, to }) => {
      bands.push({ state: to, at: performance.now() });
      showState(to);
      scheduleRender();
      log("state", `${from} → ${to}`);
    }),
    client.on("open", ({ attempt }) => {
      settleAttempt("open");
      log("open", `open (attempt ${attempt})`);
    }),
    client.on("close", ({ code, reason, wasClean, willReconnect }) => {
      closes.push({ at: performance.now(), reason });
      scheduleRender();
      settleAttempt(`failed: ${code}${reason ? ` ${reason}` : ""}`);
      const text = `${code}${reason ? ` “${reason}”` : ""}`;
      $("last-close").textContent = text;
      $("last-close").dataset.reason = reason;
      log(
        reason === "heartbeat timeout" ? "dead" : "close",
        `closed ${text}${wasClean ? "" : " (not clean)"} · ${willReconnect ? "will reconnect" : "stays closed"}`,
      );
    }),
    client.on("reconnecting", ({ attempt, delay }) => {
      attempts.push({ attempt, delay, outcome: "waiting…" });
      if (attempts.length > 50) attempts.shift();
      renderAttempts();
      log("retry", `retry ${attempt} in ${delay} ms`);
    }),
    client.on("heartbeat", ({ rtt }) => {
      rtts.push({ at: performance.now(), rtt });
      if (rtts.length > 120) rtts.shift();
      $("latency").textContent = `${rtt} ms`;
      scheduleRender();
    }),
    client.on("message", (message) =>
      log("in", `← ${JSON.stringify(message)}${acknowledged && serverSeq !== undefined ? ` · seq ${serverSeq}` : ""}`),
    ),
    client.on("delivered", ({ messages, seq }) => {
      $("acked").textContent = String(seq);
      log("delivered", `✓ the server handled ${messages.length} message${messages.length === 1 ? "" : "s"}, up to seq ${seq}`);
    }),
    client.on("reset", ({ reason }) =>
      log("reset", `reset (${reason}): the server has no state for this session; a new one starts and what is unacknowledged is sent again`),
    ),
    client.on("invalid", ({ error }) => log("error", `invalid frame: ${error.message}`)),
    client.on("drop", ({ message, reason }) => log("error", `dropped (${reason}): ${JSON.stringify(message)}`)),
    client.on("error", (error) => log("error", `${error.code}: ${error.message}`)),
  ];
  client.connect();
}

const ROLES = {
  leader: "this tab leads: it holds the one WebSocket for every tab of the page",
  follower: "this tab follows: its messages go out through the leader tab's WebSocket",
  solo: "nothing to share with here (no Web Locks or BroadcastChannel): this tab has its own WebSocket",
};

/** acrossTabs() told `owner` its part; a follower that becomes leader took the line over. */
function showRole(owner, role) {
  if (owner !== client && client !== undefined) return;
  const before = $("role").dataset.role;
  $("role").textContent = role;
  $("role").dataset.role = role;
  log("tab", before === "follower" && role === "leader" ? `handover: the leader tab went away, ${ROLES.leader}` : ROLES[role]);
}

/** The outcome of the latest retry that has none yet. */
function settleAttempt(outcome) {
  const last = attempts[attempts.length - 1];
  if (last && last.outcome === "waiting…") {
    last.outcome = outcome;
    renderAttempts();
  }
}

function showState(state) {
  $("state").textContent = state;
  document.body.dataset.state = state;
}

function send(text) {
  if (!client) return;
  const message = { type: "chat", text, n: ++sent };
  try {
    const result = client.send(message);
    log(result === "sent" ? "out" : "queued", `→ ${JSON.stringify(message)} · ${result}`);
  } catch (error) {
    log("error", error instanceof Error ? error.message : String(error));
  }
  sampleQueue();
}

// ---- the server's faults ------------------------------------------------------

async function control(fault, body) {
  log("fault", `POST /control/${fault}${body ? ` ${JSON.stringify(body)}` : ""}`);
  try {
    const response = await fetch(`/control/${fault}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      log("error", `${fault}: HTTP ${response.status} ${answer.error ?? ""}`);
    }
  } catch (error) {
    log("error", `${fault}: ${error instanceof Error ? error.message : String(error)}`);
  }
  void pollServer();
}

let polling = false;
async function pollServer() {
  if (polling) return;
  polling = true;
  const out = $("server-state");
  try {
    const response = await fetch("/control/state", { cache: "no-store" });
    const s = await response.json();
    const parts = [s.frozen ? "frozen" : "up", `${s.clients} client${s.clients === 1 ? "" : "s"}`, `${s.received} received`];
    if (s.held) parts.push(`${s.held} upgrade${s.held === 1 ? "" : "s"} held`);
    if (s.delay) parts.push(`delay ${s.delay} ms`);
    if (s.delivered !== undefined) parts.push(`${s.delivered} delivered`);
    out.textContent = parts.join(" · ");
    out.dataset.status = s.frozen ? "frozen" : "up";
  } catch {
    out.textContent = "down";
    out.dataset.status = "down";
  } finally {
    polling = false;
  }
}

// ---- the log ----------------------------------------------------------------

const start = performance.now();

function log(kind, text) {
  const list = $("log");
  const item = document.createElement("li");
  item.className = kind;
  const time = document.createElement("time");
  time.textContent = `${((performance.now() - start) / 1000).toFixed(2).padStart(7, " ")}s`;
  const tag = document.createElement("b");
  tag.textContent = kind;
  const body = document.createElement("span");
  body.textContent = text;
  item.append(time, tag, body);
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  list.append(item);
  while (list.childElementCount > 300) list.firstElementChild?.remove();
  if (atBottom) list.scrollTop = list.scrollHeight;
}

// ---- drawing ----------------------------------------------------------------

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function size(svg) {
  const { width, height } = svg.getBoundingClientRect();
  svg.setAttribute("viewBox", `0 0 ${Math.max(1, width)} ${Math.max(1, height)}`);
  return { w: Math.max(1, width), h: Math.max(1, height) };
}

function renderTimeline(now) {
  const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($("timeline")));
  const { w, h } = size(svg);
  const axis = 16;
  const x = (t) => w - ((now - t) / WINDOW_MS) * w;
  const parts = [];
  for (let i = 0; i < bands.length; i++) {
    const band = bands[i];
    const end = bands[i + 1]?.at ?? now;
    if (end < now - WINDOW_MS) continue;
    const x0 = Math.max(0, x(band.at));
    const x1 = x(end);
    parts.push(el("rect", { x: x0, y: 4, width: Math.max(1, x1 - x0), height: h - axis - 8, fill: COLORS[band.state], "data-state": band.state }));
  }
  for (const c of closes) {
    if (c.at < now - WINDOW_MS) continue;
    const cx = x(c.at);
    parts.push(el("line", { x1: cx, x2: cx, y1: 0, y2: h - axis, class: c.reason === "heartbeat timeout" ? "tick dead" : "tick" }));
  }
  for (let s = 0; s <= 60; s += 10) {
    const tx = w - (s / 60) * w;
    parts.push(el("text", { x: Math.min(w - 2, Math.max(2, tx)), y: h - 3, class: "axis", "text-anchor": s === 0 ? "end" : s === 60 ? "start" : "middle" }, s === 0 ? "now" : `−${s}s`));
  }
  svg.replaceChildren(...parts);
  // forget bands that scrolled out, keeping the one still on screen
  while (bands.length > 1 && bands[1].at < now - WINDOW_MS) bands.shift();
  while (closes.length > 0 && closes[0].at < now - WINDOW_MS) closes.shift();
}

function renderRtt(now) {
  const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($("rtt-chart")));
  const { w, h } = size(svg);
  const shown = rtts.filter((r) => r.at >= now - WINDOW_MS);
  const max = Math.max(10, ...shown.map((r) => r.rtt));
  const top = niceCeil(max);
  const parts = [el("line", { x1: 0, x2: w, y1: h - 14, y2: h - 14, class: "base" })];
  parts.push(el("text", { x: 2, y: 10, class: "axis" }, `${top} ms`));
  const plotH = h - 28;
  const pts = shown.map((r) => [w - ((now - r.at) / WINDOW_MS) * w, h - 14 - (r.rtt / top) * plotH]);
  if (pts.length > 1) parts.push(el("polyline", { points: pts.map((p) => p.join(",")).join(" "), class: "rtt-line" }));
  for (const [px, py] of pts) parts.push(el("circle", { cx: px, cy: py, r: 2.5, class: "rtt-dot" }));
  parts.push(el("text", { x: w - 2, y: h - 2, class: "axis", "text-anchor": "end" }, "now"));
  parts.push(el("text", { x: 2, y: h - 2, class: "axis" }, "−60s"));
  svg.replaceChildren(...parts);
  if (shown.length > 0) {
    const values = shown.map((r) => r.rtt);
    const avg = values.reduce((a, b) => a + b, 0) / values.length;
    $("rtt-summary").textContent = `${shown.length} pongs · avg ${avg.toFixed(1)} ms · max ${Math.max(...values)} ms`;
  }
}

function sampleQueue() {
  const depth = client ? client.pending.length : 0;
  $("queue-depth").textContent = String(depth);
  $("queue-depth").dataset.depth = String(depth);
  depths.push({ at: performance.now(), depth });
  while (depths.length > 0 && depths[0].at < performance.now() - WINDOW_MS) depths.shift();
}

function renderQueue(now) {
  const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($("queue-chart")));
  const { w, h } = size(svg);
  const top = niceCeil(Math.max(5, ...depths.map((d) => d.depth)));
  const plotH = h - 28;
  const y = (d) => h - 14 - (d / top) * plotH;
  let path = "";
  for (let i = 0; i < depths.length; i++) {
    const d = depths[i];
    const px = w - ((now - d.at) / WINDOW_MS) * w;
    // a step chart: the depth holds until the next sample
    path += i === 0 ? `M${px},${y(d.depth)}` : `H${px}V${y(d.depth)}`;
  }
  if (depths.length > 0) path += `H${w}`;
  const parts = [el("line", { x1: 0, x2: w, y1: h - 14, y2: h - 14, class: "base" }), el("text", { x: 2, y: 10, class: "axis" }, `${top} msgs`)];
  if (path) parts.push(el("path", { d: `${path}V${h - 14}H${Math.max(0, w - ((now - depths[0].at) / WINDOW_MS) * w)}Z`, class: "queue-area" }));
  parts.push(el("text", { x: w - 2, y: h - 2, class: "axis", "text-anchor": "end" }, "now"));
  parts.push(el("text", { x: 2, y: h - 2, class: "axis" }, "−60s"));
  svg.replaceChildren(...parts);
}

function renderAttempts() {
  const body = $("attempts");
  const rows = attempts.slice(-8).reverse();
  if (rows.length === 0) return;
  const maxDelay = Math.max(1, ...rows.map((a) => a.delay));
  body.replaceChildren(
    ...rows.map((a) => {
      const tr = document.createElement("tr");
      const n = document.createElement("td");
      n.textContent = `#${a.attempt}`;
      const delay = document.createElement("td");
      const bar = document.createElement("i");
      bar.className = "bar";
      bar.style.width = `${Math.max(2, (a.delay / maxDelay) * 100)}%`;
      const ms = document.createElement("span");
      ms.textContent = `${a.delay} ms`;
      delay.append(bar, ms);
      delay.className = "delay";
      const outcome = document.createElement("td");
      outcome.textContent = a.outcome;
      outcome.className = a.outcome === "open" ? "ok" : a.outcome === "waiting…" ? "wait" : "bad";
      tr.append(n, delay, outcome);
      return tr;
    }),
  );
}

function niceCeil(value) {
  for (const step of [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]) if (value <= step) return step;
  return Math.ceil(value / 10000) * 10000;
}

let renderQueued = false;
/** Redraws soon after an event instead of waiting for the next tick. */
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  const now = performance.now();
  sampleQueue();
  renderTimeline(now);
  renderRtt(now);
  renderQueue(now);
}

// ---- wiring -----------------------------------------------------------------

$("send-form").addEventListener("submit", (event) => {
  event.preventDefault();
  send(/** @type {HTMLInputElement} */ ($("message-input")).value);
});
$("send-burst").addEventListener("click", () => {
  for (let i = 1; i <= 5; i++) send(`burst ${i}/5`);
});
$("connect").addEventListener("click", () => client?.connect());
$("reconnect").addEventListener("click", () => client?.reconnect());
$("close").addEventListener("click", () => client?.close());
$("settings").addEventListener("submit", (event) => {
  event.preventDefault();
  void createPlaygroundClient();
});
// a switch: flipping it makes a new client in the other mode at once
$("acknowledged").addEventListener("change", () => void createPlaygroundClient());
$("clear-log").addEventListener("click", () => $("log").replaceChildren());

const num = (id) => Number(/** @type {HTMLInputElement} */ ($(id)).value);
$("fault-drop").addEventListener("click", () => control("dropAll", { code: 1000, reason: "dropped by the playground" }));
$("fault-terminate").addEventListener("click", () => control("terminateAll"));
$("fault-freeze").addEventListener("click", () => control("freeze"));
$("fault-thaw").addEventListener("click", () => control("thaw"));
$("fault-restart").addEventListener("click", () => control("restart", { downForMs: num("restart-ms") }));
$("fault-reject").addEventListener("click", () => control("rejectNext", { n: num("reject-n"), status: num("reject-status") }));

topicPanel({ $, log, control, url: wsUrl });

void createPlaygroundClient();
render();
setInterval(render, 250);
setInterval(pollServer, 1000);
void pollServer();

// for poking at it from the devtools console
Object.assign(globalThis, { playground: { get client() { return client; }, lib } });
