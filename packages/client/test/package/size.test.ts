// What a browser app ships: the built client bundled by esbuild (minify,
// browser, zod external), gzipped. Two apps: one on the core's defaults, and
// one importing every opt-in entry point. zod is the user's own dependency
// and must never be pulled in by the client itself.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bundle, DIST } from "./bundle.js";

/**
 * Ceilings that fail on growth, min+gzip, of an app bundled for production
 * (`process.env.NODE_ENV` = "production": development prose folded away; mitt
 * bundled, zod external). DESIGN.md's budgets are 3.0 kB for the core, +0.9 kB
 * for ./at-least-once, +0.4 kB for ./request, +2.5 kB for ./share, 8.0 kB for
 * everything; the lean core (issue 21) measures above the first (see
 * docs/performance.md for the cost of each piece), so these guard what we
 * have: raising one is a decision for review, not a fix for a red test.
 * Raised once on review: share 10,610 → 10,950 and everything → 13,350 when
 * the share entry gained topics across tabs (issue 24, ~320 B) and was split
 * by concern (~130 B). Raised again (share → 11,150, everything → 13,450)
 * when a leader tab began writing an assignment only once its post came back
 * on a second channel object (~200 B): without it a page torn down could have
 * a message delivered twice (docs/sharing.md, "With atLeastOnce()"). Then
 * lowered with the core's diet (issue 21, December 2026: core 5,824 → 5,467 B,
 * ./request +450 → +392 B; share app 10,751 B, everything 13,010 B).
 * `./share` is guarded over the core since (see OVER_CORE). Lowered again
 * after session 4's cuts (core 5,437 B, everything 12,876 B), and after
 * session 5's lean core (core 5,350 B, everything 12,770 B) with its
 * cheaper option and url checking (core 5,237 B, everything 12,656 B), and
 * text frames kept clear of the binary checks again (core 5,258 B,
 * everything 12,678 B), and after session 6's production message of an
 * invalid message (its first issue: core 5,207 B, everything 12,624 B), and
 * after session 8's events with one busy flag (core 5,170 B, everything
 * 12,594 B).
 */
const CEILINGS = { core: 5_180, everything: 12_610 };
/**
 * Each entry point over the core: `./request` and `./websocket` at their
 * budgets (400 and 1,200 B; the drop-in measures +1,196 B since its url and
 * protocols are resolved as one pair), `./at-least-once` under its 900.
 * `./share`'s budget is 2,500 B: it measures +5,228 B (+5,284 B before its
 * trim of December 2026, +5,214 B over session 4's core), about 1,970 B of
 * it the shared session for `atLeastOnce()` that every share app ships
 * (docs/performance.md); its ceiling is that figure and a little. Over
 * session 5's core: ./at-least-once +841 B, ./request +392 B, ./websocket
 * +1,184 B (it writes readyState as numbers since, +1,214 B before); with
 * the cheaper option checking too: +830, +393, +1,183, ./share +5,232 B.
 */
const OVER_CORE = { "at-least-once": 850, request: 400, websocket: 1_200, share: 5_250 };

const APPS = {
  // createClient with its defaults: reconnect, jittered backoff, heartbeat, queue, validation, typed events
  core: `import { createClient } from "./index.js";
    const client = createClient({ url: "wss://example.test/ws" });
    client.on("message", (m) => console.log(m));
    client.send({ type: "chat", text: "hi" });`,
  everything: `import { createClient } from "./index.js";
    import { atLeastOnce } from "./at-least-once.js";
    import { request } from "./request.js";
    import { LifelineWebSocket } from "./websocket.js";
    import { acrossTabs } from "./share.js";
    new LifelineWebSocket("wss://example.test/ws").onmessage = (e) => console.log(e.data);
    const client = createClient({ url: "wss://example.test/ws", delivery: atLeastOnce(), share: acrossTabs({ name: "chat" }) });
    client.on("message", (m) => console.log(m));
    request(client, { type: "get" }).then(console.log);`,
};

/** The core's app, plus one entry point each. */
const OVER_CORE_APPS = {
  "at-least-once": `import { createClient } from "./index.js";
    import { atLeastOnce } from "./at-least-once.js";
    const client = createClient({ url: "wss://example.test/ws", delivery: atLeastOnce() });
    client.on("message", (m) => console.log(m));
    client.send({ type: "chat", text: "hi" });`,
  request: `import { createClient } from "./index.js";
    import { request } from "./request.js";
    const client = createClient({ url: "wss://example.test/ws" });
    client.on("message", (m) => console.log(m));
    client.send({ type: "chat", text: "hi" });
    request(client, { type: "get" }).then(console.log);`,
  // the core plus one connection for every tab
  share: `import { createClient } from "./index.js";
    import { acrossTabs } from "./share.js";
    const client = createClient({ url: "wss://example.test/ws", share: acrossTabs({ name: "chat" }) });
    client.on("message", (m) => console.log(m));
    client.send({ type: "chat", text: "hi" });`,
  // the drop-in on its own (the same small app as bench/sizes.mjs's), against the core's app
  websocket: `import { LifelineWebSocket } from "./websocket.js";
    const socket = new LifelineWebSocket("wss://example.test/ws");
    socket.addEventListener("message", (event) => console.log(JSON.parse(event.data)));
    socket.send(JSON.stringify({ type: "chat", text: "hi" }));`,
};

describe("bundle size", () => {
  it("bundles the client and mitt, its one dependency: nothing else, no zod", async () => {
    expect(existsSync(`${DIST}index.js`), `${DIST}index.js is missing: build the client first`).toBe(true);
    const { inputs } = await bundle(APPS.everything);
    expect(inputs.filter((path) => path.includes("node_modules/")).map((path) => path.replace(/.*node_modules\//, ""))).toEqual(["mitt/dist/mitt.mjs"]);
  });

  it.each(Object.keys(OVER_CORE) as Array<keyof typeof OVER_CORE>)("./%s over the core fits its ceiling", async (entry) => {
    const core = await bundle(APPS.core);
    const app = await bundle(OVER_CORE_APPS[entry]);
    const over = app.gzip - core.gzip;
    process.stdout.write(`./${entry}: +${over} B over the core (ceiling +${OVER_CORE[entry]} B)\n`);
    expect(over).toBeLessThanOrEqual(OVER_CORE[entry]);
  });

  it.each(Object.keys(APPS) as Array<keyof typeof APPS>)("%s: fits its ceiling min+gzip", async (name) => {
    const { code, gzip } = await bundle(APPS[name]);
    process.stdout.write(`bundle size (${name}): ${code.length} B minified, ${gzip} B min+gzip (ceiling ${CEILINGS[name]} B)\n`);
    expect(gzip, `${name} is ${gzip} B min+gzip, over its ceiling of ${CEILINGS[name]} B`).toBeLessThanOrEqual(CEILINGS[name]);
  });

  it("LifelineWebSocket adds at most 1.2 kB to the core, and nothing to an app that does not import it", async () => {
    // issue 21's budget; 2.25 kB before the drop-in mapped its options as data, let lifeline check them and kept long messages to development builds
    const BUDGET_OVER_CORE = 1_200;
    const core = await bundle(APPS.core);
    const dropIn = await bundle(
      `import { LifelineWebSocket } from "./websocket.js"; const ws = new LifelineWebSocket("wss://example.test/ws"); ws.onmessage = (e) => console.log(e.data);`,
    );
    process.stdout.write(`LifelineWebSocket: ${dropIn.gzip} B min+gzip with the core (core alone ${core.gzip} B, +${dropIn.gzip - core.gzip} B)\n`);
    expect(core.inputs.some((input) => input.includes("websocket"))).toBe(false);
    expect(dropIn.inputs.filter((input) => input.includes("node_modules/zod/"))).toEqual([]);
    expect(dropIn.gzip - core.gzip).toBeLessThanOrEqual(BUDGET_OVER_CORE);
  });

  it("an app that does not import a feature does not ship it", async () => {
    const { code } = await bundle(APPS.core);
    for (const word of ['"hello"', "ackEvery", "no reply within", "lifeline:", "leader tab"]) expect(new TextDecoder().decode(code)).not.toContain(word);
  });
});
