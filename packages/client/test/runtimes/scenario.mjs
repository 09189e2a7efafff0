// The one scenario every runtime runs (Node ESM and CJS, Deno, Bun, Chromium).
// Plain ESM importing only ./steps.mjs, so each runtime loads these very
// files unchanged; the runner hands in the client, zod, the server controls
// and a reporter.
// Each step returns its own pass/fail, so the vitest side turns every step
// into its own assertion and names the runtime that failed it.

import { StepFailure, check, same, within } from "./steps.mjs";

export { httpControl } from "./steps.mjs";

/** Short settings so the whole scenario runs in seconds. */
const FAST = {
  // a pong later than this on a loaded machine would be a spurious reconnect
  heartbeat: { interval: 300, timeout: 1_500 },
  backoff: { initial: 40, max: 200, factor: 2, jitter: "none", resetAfter: 60_000 },
  // generous: the machine is shared and the runtimes start cold
  connectTimeout: 5_000,
};
/** Longest wait for one expected event; far above what any step needs. */
const WAIT_MS = 8_000;
const STEP_MS = 20_000;
const EVENTS = ["state", "open", "close", "reconnecting", "message", "invalid", "heartbeat", "drop", "error"];

/** Step ids and titles, in order. `browser` steps need `platform.setOffline`. */
export const STEPS = [
  { id: "connect-echo", title: "connects and echoes" },
  { id: "drop-reconnect", title: "dropAll: close code reaches the client, it reconnects" },
  { id: "freeze-heartbeat", title: "freeze: the heartbeat declares the line dead and reconnects after thaw" },
  { id: "queue-flush", title: "messages sent while down are flushed in order" },
  { id: "reject-handshake", title: "refused handshakes (rejectNext) give one close each and retries" },
  { id: "invalid", title: "invalid incoming messages give `invalid`, the line stays up" },
  { id: "binary", title: "binary frames reach the codec as ArrayBuffer" },
  { id: "offline-online", title: "offline: no attempt is spent; online cuts the backoff short", browser: true },
  { id: "close", title: "close() leaves nothing running" },
];

/** A bounded pause, only where the point is that nothing happens meanwhile. */
function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function summary(entry) {
  const p = entry.payload;
  switch (entry.type) {
    case "state":
      return `state:${p.from}->${p.to}`;
    case "close":
      return `close:${p.code}/${p.reason || "-"}/${p.willReconnect ? "again" : "final"}`;
    case "reconnecting":
      return `reconnecting:${p.attempt}/${p.delay}ms`;
    case "open":
      return `open:${p.attempt}`;
    case "error":
    case "invalid":
      return `${entry.type}:${(p.error ?? p).code}`;
    case "message":
      return `message:${JSON.stringify(p).slice(0, 60)}`;
    default:
      return entry.type;
  }
}

/** Records every event of a client so steps can wait for one and check what came between. */
function watch(client, name) {
  const log = [];
  const listeners = new Set();
  for (const type of EVENTS) {
    client.on(type, (payload) => {
      log.push({ type, payload });
      for (const listener of [...listeners]) listener();
    });
  }
  const since = (from, type) => log.slice(from).filter((e) => type === undefined || e.type === type);
  return {
    client,
    log,
    mark: () => log.length,
    since,
    payloads: (from, type) => since(from, type).map((e) => e.payload),
    describe: (from = 0) => `${name}: [${log.slice(from).map(summary).join(", ")}]`,
    /** The first `type` event at or after index `from` that passes `test`. */
    next(from, type, test = () => true, ms = WAIT_MS) {
      return new Promise((resolve, reject) => {
        let timer;
        const look = () => {
          const hit = since(from, type).find((e) => test(e.payload));
          if (!hit) return false;
          listeners.delete(look);
          clearTimeout(timer);
          resolve(hit.payload);
          return true;
        };
        if (look()) return;
        listeners.add(look);
        timer = setTimeout(() => {
          listeners.delete(look);
          reject(new StepFailure(`no "${type}" event within ${ms} ms; ${this.describe(from)}`));
        }, ms);
      });
    },
  };
}

/**
 * What this runtime's own WebSocket does with a refused handshake: the
 * differences the client must absorb (Node: `error` only; Bun: `error` then
 * `close` 1006; Deno: `close` code 0; browsers: `error` then `close` 1006).
 */
async function probeRefused(url, serverControl) {
  await serverControl("rejectNext", { n: 1, status: 503 });
  const ws = new WebSocket(url);
  const seen = [];
  await new Promise((resolve) => {
    let timer;
    const settle = (ms) => {
      clearTimeout(timer);
      timer = setTimeout(resolve, ms);
    };
    // after `error`, give a `close` a moment to follow (it never does in Node)
    ws.addEventListener("error", () => (seen.push("error"), settle(300)));
    ws.addEventListener("close", (e) => (seen.push(`close ${e.code}`), settle(0)));
    ws.addEventListener("open", () => (seen.push("open"), ws.close()));
    settle(WAIT_MS);
  });
  return seen.join(", ");
}

/** What this runtime's own WebSocket hands over for a binary frame when binaryType is left alone. */
async function probeBinary(url) {
  const ws = new WebSocket(url);
  const binaryType = ws.binaryType;
  const data = await within(
    new Promise((resolve, reject) => {
      ws.addEventListener("open", () => ws.send(new Uint8Array([1, 2, 3])));
      ws.addEventListener("message", (e) => resolve(e.data));
      ws.addEventListener("error", () => reject(new StepFailure("probe socket failed")));
    }),
    WAIT_MS,
    "binary probe",
  );
  const closed = new Promise((resolve) => ws.addEventListener("close", resolve));
  ws.close();
  await within(closed, WAIT_MS, "binary probe close");
  return `binaryType "${binaryType}" gives ${Object.prototype.toString.call(data)}`;
}

function chat(text) {
  return { type: "chat", text };
}

const isChat = (text) => (m) => m && m.type === "chat" && m.text === text;

/**
 * Runs every step and reports each through `log` as it finishes; resolves
 * with all results. Never throws: a failing step is a result with `ok: false`.
 *
 * @param {object} options
 * @param {Function} options.createClient  the runtime's build of @lifeline/client
 * @param {(fault: string, body?: object) => Promise<any>} options.serverControl  see httpControl()
 * @param {string} options.url  the test server's ws:// url
 * @param {any} options.z  zod, as this runtime loads it
 * @param {(result: object) => void} [options.log]
 * @param {{ setOffline?(offline: boolean): Promise<void>, serverState?(): Promise<any>, dropAll?(): Promise<void> }} [options.platform]
 */
export async function runScenario({ createClient, serverControl, url, z, log = () => {}, platform = {} }) {
  const Incoming = z.discriminatedUnion("type", [
    z.object({ type: z.literal("chat"), text: z.string() }),
    z.object({ type: z.literal("presence"), users: z.array(z.string()) }),
  ]);
  const watched = [];
  const make = (name, options) => {
    const w = watch(createClient({ url, incoming: Incoming, ...FAST, ...options }), name);
    watched.push(w);
    return w;
  };
  /** The client every step after the first works with. */
  let main;

  /** Sends `text` and resolves when it comes back through the echo. */
  async function echo(w, text) {
    const from = w.mark();
    same(w.client.send(chat(text)), "sent", `send("${text}") while open`);
    await w.next(from, "message", isChat(text));
  }

  const steps = {
    async "connect-echo"() {
      main = make("main");
      const onType = [];
      main.client.onType("chat", (m) => onType.push(m.text));
      same(main.client.state, "connecting", "state right after createClient");
      await within(main.client.opened(), WAIT_MS, "opened()");
      same(main.client.state, "open", "state after opened()");
      same(main.payloads(0, "open"), [{ attempt: 1 }], "open events");
      await echo(main, "hello");
      same(onType, ["hello"], "onType(\"chat\") handler calls");
      return { attempt: 1 };
    },

    async "drop-reconnect"() {
      const from = main.mark();
      const before = await serverControl("state");
      await serverControl("dropAll", { code: 1012, reason: "service restart" });
      const closed = await main.next(from, "close");
      same(closed, { code: 1012, reason: "service restart", wasClean: true, willReconnect: true }, "close event");
      const retry = await main.next(from, "reconnecting");
      check(retry.attempt >= 1, `reconnecting.attempt is ${retry.attempt}`);
      const opened = await main.next(from, "open");
      same(opened.attempt, retry.attempt + 1, "open.attempt after one retry");
      await echo(main, "after drop");
      const after = await serverControl("state");
      same(after.connections - before.connections, 1, "new server connections");
      return { close: closed.code, attempt: opened.attempt };
    },

    async "freeze-heartbeat"() {
      // a pong first: the heartbeat works before the line goes dead
      const beat = await main.next(main.mark(), "heartbeat");
      check(typeof beat.rtt === "number" && beat.rtt >= 0, `heartbeat rtt ${beat.rtt}`);
      same(main.client.latency, beat.rtt, "client.latency");
      const from = main.mark();
      await serverControl("freeze");
      let closed;
      try {
        closed = await main.next(from, "close");
      } finally {
        // whatever happened, never leave the server frozen for the next steps
        await serverControl("thaw").catch(() => {});
      }
      same(closed, { code: 1006, reason: "heartbeat timeout", wasClean: false, willReconnect: true }, "close event");
      await main.next(from, "reconnecting");
      await main.next(from, "open");
      await echo(main, "after freeze");
      same(main.payloads(from, "message").length, 1, "messages across the freeze (the echo only)");
      return { rtt: beat.rtt };
    },

    async "queue-flush"() {
      const from = main.mark();
      await serverControl("restart", { downForMs: 600 });
      const closed = await main.next(from, "close");
      same(closed.willReconnect, true, "close.willReconnect");
      check(main.client.state === "reconnecting", `state while down is ${main.client.state}`);
      const texts = ["queued-1", "queued-2", "queued-3"];
      same(
        texts.map((t) => main.client.send(chat(t))),
        ["queued", "queued", "queued"],
        "send() results while down",
      );
      same(main.client.pending, texts.map(chat), "client.pending");
      const opened = await main.next(from, "open");
      // sent after open: must come back after everything that was queued
      same(main.client.send(chat("after-open")), "sent", "send() after reopening");
      await main.next(from, "message", isChat("after-open"));
      same(
        main.payloads(from, "message").map((m) => m.text),
        [...texts, "after-open"],
        "echo order",
      );
      same(main.client.pending, [], "client.pending after the flush");
      // every socket that ended (refused attempts while down included) gave exactly one close
      const closes = main.payloads(from, "close");
      const retries = main.payloads(from, "reconnecting");
      same(closes.length, retries.length, "close events vs retries");
      for (const c of closes) {
        check(c.code >= 1000 && c.code <= 4999 && c.willReconnect, `close event ${JSON.stringify(c)}`);
      }
      same(opened.attempt, retries[retries.length - 1].attempt + 1, "open.attempt");
      return { refusedAttempts: retries.length - 1 };
    },

    async "reject-handshake"() {
      const native = await probeRefused(url, serverControl);
      const from = main.mark();
      const before = await serverControl("state");
      await serverControl("rejectNext", { n: 2, status: 503 });
      await serverControl("dropAll", { code: 1001, reason: "going away" });
      const opened = await main.next(from, "open");
      const closes = main.payloads(from, "close");
      same(closes[0], { code: 1001, reason: "going away", wasClean: true, willReconnect: true }, "the drop's close event");
      // Node fires only `error`, Bun `error` then `close` 1006, Deno close code 0, browsers 1006:
      // each refused handshake must be exactly one close 1006 and one retry
      same(
        closes.slice(1).map((c) => [c.code, c.wasClean, c.willReconnect]),
        [
          [1006, false, true],
          [1006, false, true],
        ],
        "closes of the refused attempts",
      );
      const attempts = main.payloads(from, "reconnecting").map((r) => r.attempt);
      same(attempts.length, 3, "retries");
      same(
        attempts.map((a) => a - attempts[0]),
        [0, 1, 2],
        "retry numbers count up",
      );
      same(opened.attempt, attempts[2] + 1, "open.attempt");
      const after = await serverControl("state");
      same(after.rejected - before.rejected, 2, "handshakes the server refused");
      same(after.connections - before.connections, 1, "connections the server accepted");
      await echo(main, "after reject");
      return { attempts, native };
    },

    async invalid() {
      const from = main.mark();
      const wrongShape = JSON.stringify({ type: "chat", text: 42 });
      const notJson = "{not json";
      await serverControl("broadcast", { data: wrongShape });
      await serverControl("broadcast", { data: notJson });
      await serverControl("broadcast", { data: JSON.stringify({ type: "presence", users: ["ada"] }) });
      await main.next(from, "message", (m) => m.type === "presence");
      const seen = main.since(from).map((e) => e.type);
      same(seen, ["invalid", "invalid", "message"], "events, in order");
      const invalid = main.payloads(from, "invalid");
      same(
        invalid.map((i) => [i.data, i.error.code, i.error instanceof Error]),
        [
          [wrongShape, "INVALID_MESSAGE", true],
          [notJson, "INVALID_MESSAGE", true],
        ],
        "invalid events",
      );
      same(main.client.state, "open", "state");
      await echo(main, "after invalid");
      return {};
    },

    async binary() {
      const seen = [];
      const encoder = new TextEncoder();
      const decoder = new TextDecoder();
      const bin = make("binary", {
        codec: {
          encode: (m) => encoder.encode(JSON.stringify(m)),
          decode(data) {
            seen.push({
              tag: Object.prototype.toString.call(data),
              arrayBuffer: data instanceof ArrayBuffer,
              view: ArrayBuffer.isView(data),
            });
            return JSON.parse(typeof data === "string" ? data : decoder.decode(data));
          },
        },
      });
      await within(bin.client.opened(), WAIT_MS, "opened()");
      const text = "bytes ✓ ünïcödé";
      await echo(bin, text);
      same(seen, [{ tag: "[object ArrayBuffer]", arrayBuffer: true, view: false }], "what codec.decode received");
      return { text, native: await probeBinary(url) };
    },

    async "offline-online"() {
      // `slow` proves the cut-short: its backoff is 30 s, far beyond this step's limit
      const slow = make("slow", { backoff: { initial: 30_000, max: 30_000, jitter: "none", resetAfter: 60_000 } });
      await within(slow.client.opened(), WAIT_MS, "opened()");
      const fromMain = main.mark();
      const fromSlow = slow.mark();
      await platform.setOffline(true);
      check(globalThis.navigator.onLine === false, "navigator.onLine after going offline");
      // the server drops both (the page cannot reach the control endpoint while offline)
      await platform.dropAll();
      const lost = await main.next(fromMain, "close");
      const slowRetry = await slow.next(fromSlow, "reconnecting");
      same(slowRetry.delay, 30_000, "slow client's backoff delay");
      const before = await platform.serverState();
      // main's 40–200 ms backoff runs out several times over in this window;
      // each time the client must see it is offline and wait again
      await pause(1_000);
      const after = await platform.serverState();
      same(after.connections, before.connections, "server connections while offline");
      same(main.payloads(fromMain, "reconnecting").length, 1, "main's retries while offline");
      same(main.payloads(fromMain, "close").length, 1, "main's close events while offline");
      same(main.client.state, "reconnecting", "main's state while offline");
      const backOnline = main.mark();
      await platform.setOffline(false);
      await main.next(backOnline, "open");
      await slow.next(fromSlow, "open");
      await echo(main, "after online");
      await echo(slow, "slow after online");
      return { lostWhileOffline: `${lost.code} ${lost.reason}` };
    },

    async close() {
      const marks = watched.map((w) => w.mark());
      const wasOpen = watched.map((w) => w.client.state === "open");
      for (const w of watched) w.client.close();
      watched.forEach((w, i) => {
        same(w.client.state, "closed", `${w.describe()} state`);
        // closing an open client ends its socket: one last close event
        same(
          w.payloads(marks[i], "close").map((c) => c.willReconnect),
          wasOpen[i] ? [false] : [],
          `${w.describe(marks[i])} final close events`,
        );
      });
      const rejected = await main.client.opened().then(
        () => "resolved",
        (e) => e.code,
      );
      same(rejected, "CLOSED", "opened() after close()");
      // the server sees every socket go
      let state = await serverControl("state");
      for (let i = 0; state.clients > 0 && i < 200; i++) {
        await pause(25);
        state = await serverControl("state");
      }
      same(state.clients, 0, "server clients after close()");
      // nothing retries behind our back: no new connection for several max-backoff periods
      await pause(600);
      const later = await serverControl("state");
      same(later.connections, state.connections, "server connections after close()");
      for (let i = 0; i < watched.length; i++) {
        same(
          watched[i].since(marks[i]).filter((e) => e.type !== "close" && e.type !== "state").map(summary),
          [],
          `${watched[i].describe(marks[i])} events after close()`,
        );
      }
      // no `error` event but the refused attempts' CONNECT_FAILED (no HANDLER_ERROR, URL_ERROR…) anywhere in the run
      for (const w of watched) same(w.payloads(0, "error").map((e) => e.code).filter((code) => code !== "CONNECT_FAILED"), [], `${w.describe()} error events`);
      return {};
    },
  };

  const results = [];
  for (const step of STEPS) {
    if (step.browser && typeof platform.setOffline !== "function") continue;
    const started = Date.now();
    let result;
    try {
      const detail = await within(steps[step.id](), STEP_MS, step.id);
      result = { id: step.id, ok: true, ms: Date.now() - started, detail };
    } catch (error) {
      const message = error instanceof StepFailure ? error.message : `${error?.name}: ${error?.message}\n${error?.stack ?? ""}`;
      result = { id: step.id, ok: false, ms: Date.now() - started, error: message };
    }
    results.push(result);
    log(result);
  }
  // a failed step may have left clients running; the process must still end
  for (const w of watched) w.client.close();
  return results;
}
