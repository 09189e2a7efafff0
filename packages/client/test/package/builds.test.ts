// Both builds of what users ship: development (long messages, unheard errors
// on the console, `debug`) and production (`process.env.NODE_ENV` =
// "production": short messages with the code, the option and the value, and
// none of the development prose in the bundle). Bundled from dist/ by esbuild
// as an app would be, then run.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));

// an app that gets its options wrong, and one whose server refuses it with nobody listening for errors
const APP = `import { createClient } from "./index.js";
  class Refused { constructor() { this.readyState = 0; Promise.resolve().then(() => this.fire({ type: "error" })); }
    addEventListener(type, fn) { (this.l ??= []).push([type, fn]); } removeEventListener() {} close() {} send() {}
    fire(event) { for (const [type, fn] of this.l) if (type === event.type) fn({ ...event, target: this }); } }
  const said = (options) => { try { createClient({ url: "ws://lifeline.test/ws", WebSocket: Refused, autoConnect: false, ...options }); } catch (e) { return e.code + " " + e.message; } };
  globalThis.result = {
    alias: said({ minReconnectionDelay: 5 }),
    factor: said({ backoff: { factor: 0.5 } }),
    empty: said({ url: "" }),
    contradiction: said({ backoff: { initial: 5000, max: 1000 } }),
  };
  const client = createClient({ url: "ws://lifeline.test/ws", WebSocket: Refused, maxRetries: 0 });
  globalThis.done = client.opened().catch((e) => e.code);`;

async function bundle(env: "production" | "development" | undefined, format: "esm" | "iife" = "esm"): Promise<string> {
  const result = await build({
    stdin: { contents: APP, resolveDir: DIST, loader: "js" },
    bundle: true,
    minify: true,
    format,
    platform: "browser",
    ...(env && { define: { "process.env.NODE_ENV": JSON.stringify(env) } }),
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** Runs a bundle in a fresh context; `console.warn` lines are collected. */
async function run(code: string, globals: Record<string, unknown> = {}) {
  const warned: string[] = [];
  const context: Record<string, unknown> = {
    URL,
    TextDecoder,
    queueMicrotask,
    setTimeout,
    clearTimeout,
    crypto,
    console: { warn: (line: string) => warned.push(line), debug: () => {} },
    ...globals,
  };
  context.globalThis = context;
  runInNewContext(code, context);
  const code_ = await (context.done as Promise<string>);
  return { result: context.result as Record<string, string>, gaveUp: code_, warned };
}

describe("the two builds", () => {
  it("dist/ keeps the check literal, so the app's bundler can fold it", async () => {
    expect(existsSync(`${DIST}index.js`), "build the client first").toBe(true);
    const dev = await bundle("development");
    const prod = await bundle("production");
    expect(prod.length).toBeLessThan(dev.length);
    for (const prose of ["is not an option of createClient", "lifeline calls it", "must be a finite", "unhandled error", "docs/heartbeat.md"]) {
      expect(prod, prose).not.toContain(prose);
      expect(dev, prose).toContain(prose);
    }
  });

  it("production: short messages with the code, the option and the value; nothing on the console", async () => {
    const { result, gaveUp, warned } = await run(await bundle("production", "iife"), { process: { env: {} } });
    expect(result).toEqual({
      alias: "INVALID_OPTIONS minReconnectionDelay got 5",
      factor: "INVALID_OPTIONS backoff.factor got 0.5",
      empty: 'INVALID_OPTIONS url ""',
      contradiction: "INVALID_OPTIONS backoff.initial 5000 > backoff.max 1000",
    });
    expect(gaveUp).toBe("GAVE_UP");
    expect(warned).toEqual([]);
  });

  it("development: full sentences, and an error nobody hears goes to console.warn", async () => {
    const { result, gaveUp, warned } = await run(await bundle("development", "iife"), { process: { env: { NODE_ENV: "development" } } });
    expect(result.alias).toMatch(/^INVALID_OPTIONS minReconnectionDelay is not an option of createClient \(lifeline calls it backoff\.initial\), got 5$/);
    expect(result.factor).toMatch(/^INVALID_OPTIONS backoff\.factor must be a finite number ≥ 1, got 0\.5$/);
    expect(result.empty).toMatch(/^INVALID_OPTIONS url must be a ws: or wss: URL, got ""$/);
    expect(result.contradiction).toMatch(/backoff\.initial \(5000\) must not be above backoff\.max \(1000\)/);
    expect(gaveUp).toBe("GAVE_UP");
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/CONNECT_FAILED/);
  });

  it("where there is no `process` at all (an unbundled browser) it runs, with the short messages", async () => {
    const { result, gaveUp } = await run(await bundle(undefined, "iife"));
    expect(result.alias).toBe("INVALID_OPTIONS minReconnectionDelay got 5");
    expect(gaveUp).toBe("GAVE_UP");
  });
});
