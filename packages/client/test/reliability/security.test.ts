// Security: TLS verification stays on (an untrusted certificate never opens,
// a trusted CA does), nothing in the package turns it off, and credentials or
// tokens in a URL never appear in an error or event the client emits.
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { inspect } from "node:util";
import { generateTestCertificates, startServer } from "@lifeline/test-server";
import type { TestCertificates, TestServer } from "@lifeline/test-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/index.js";
import type { Client, ClientOptions } from "../../src/index.js";
import { createFakeClock } from "../../src/testing.js";
import { CLIENT_DIST, CLIENT_SRC, FIXTURES, distEntry, runNode, waitUntil } from "./helpers.js";

describe("TLS verification", () => {
  let certs: TestCertificates;
  let server: TestServer;

  beforeAll(async () => {
    distEntry();
    certs = await generateTestCertificates();
    server = await startServer({ tls: { cert: certs.cert, key: certs.key } });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  type Line = { type: string; event: { willReconnect?: boolean; to?: string } };
  async function connect(url: string, env: Record<string, string> = {}) {
    const child = runNode(path.join(FIXTURES, "tls.mjs"), [url], { env });
    const result = await child.exit(30_000);
    expect(result.timedOut, `the child did not finish: ${result.stdout}\n${result.stderr}`).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    return child.lines.map((line) => JSON.parse(line) as Line);
  }

  it("an untrusted certificate fails every attempt: close events, never open", { timeout: 60_000 }, async () => {
    const before = server.connections;
    const lines = await connect(server.url);
    expect(lines.filter((l) => l.type === "open")).toEqual([]);
    const closes = lines.filter((l) => l.type === "close").map((l) => l.event.willReconnect);
    // the first attempt and two retries fail, then the client gives up
    expect(closes).toEqual([true, true, false]);
    expect(lines.at(-1)).toEqual({ type: "state", event: { from: "reconnecting", to: "closed" } });
    // no upgrade ever reached the server
    expect(server.connections).toBe(before);
  });

  it("the same server opens once its CA is trusted (NODE_EXTRA_CA_CERTS)", { timeout: 60_000 }, async () => {
    const before = server.connections;
    const lines = await connect(server.url, { NODE_EXTRA_CA_CERTS: certs.caCertPath });
    expect(lines.filter((l) => l.type === "open")).toEqual([{ type: "open", event: { attempt: 1 } }]);
    expect(server.connections).toBe(before + 1);
  });

  it("a trusted certificate for another name still fails (the host name is checked)", { timeout: 60_000 }, async () => {
    // 127.0.0.2 is loopback too, but not in the certificate (IP:127.0.0.1, DNS:localhost)
    let other: TestServer;
    try {
      other = await startServer({ host: "127.0.0.2", tls: { cert: certs.cert, key: certs.key } });
    } catch (error) {
      process.stdout.write(`SKIPPED: cannot listen on 127.0.0.2 here (${String(error)}); the host name check was not exercised\n`);
      if (process.env.CI === "true") throw error;
      return;
    }
    try {
      const lines = await connect(other.url, { NODE_EXTRA_CA_CERTS: certs.caCertPath });
      expect(lines.filter((l) => l.type === "open")).toEqual([]);
      expect(lines.filter((l) => l.type === "close").map((l) => l.event.willReconnect)).toEqual([true, true, false]);
      expect(other.connections).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe("nothing turns TLS verification off", () => {
  const FORBIDDEN = /rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity/;

  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? files(full) : [full];
    });
  }

  it("in packages/client/src or dist", () => {
    distEntry();
    const all = [...files(CLIENT_SRC), ...files(CLIENT_DIST)];
    // the scan covers the sources and every build output
    expect(all.filter((f) => f.startsWith(CLIENT_SRC) && f.endsWith(".ts")).length).toBeGreaterThanOrEqual(5);
    for (const built of ["index.js", "index.cjs", "testing.js", "testing.cjs"]) expect(all).toContain(path.join(CLIENT_DIST, built));
    const hits = all.filter((file) => FORBIDDEN.test(readFileSync(file, "utf8")));
    expect(hits).toEqual([]);
    // and the pattern does catch what it is looking for
    expect(FORBIDDEN.test("{ rejectUnauthorized: false }")).toBe(true);
    expect(FORBIDDEN.test("process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'")).toBe(true);
  });
});

describe("credentials and tokens in URLs are redacted", () => {
  const SECRETS = ["secret", "abc"];
  const clients: Client[] = [];
  let server: TestServer | undefined;
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.close();
    server = undefined;
  });

  /** Every way an error or event could be shown: JSON, util.inspect (what console.log prints), and each error's message and cause chain. */
  function renderings(value: unknown): string[] {
    const out = [inspect(value, { depth: 20, showHidden: true, getters: true }), JSON.stringify(value, errorsToObjects) ?? ""];
    for (let error = value, depth = 0; error instanceof Error && depth < 10; error = error.cause, depth++) {
      out.push(error.message, String(error.stack), String(error));
    }
    return out;
  }

  function errorsToObjects(_key: string, value: unknown): unknown {
    if (!(value instanceof Error)) return value;
    return { ...value, name: value.name, message: value.message, stack: value.stack, cause: value.cause };
  }

  function expectNoSecret(value: unknown, what: string): void {
    for (const text of renderings(value)) {
      for (const secret of SECRETS) expect(text.includes(secret), `${what} shows "${secret}":\n${text}`).toBe(false);
    }
  }

  /** A client on the real global WebSocket, every event recorded; resolves when it has given up. */
  async function drive(options: Partial<ClientOptions> & Pick<ClientOptions, "url">) {
    const events: Array<{ type: string; event: unknown }> = [];
    const client = createClient<any, any>({ backoff: { initial: 10, max: 20 }, maxRetries: 2, heartbeat: false, connectTimeout: 3_000, ...options });
    clients.push(client);
    for (const type of ["state", "open", "close", "reconnecting", "message", "invalid", "heartbeat", "drop", "delivered", "error"] as const) {
      client.on(type, (event: unknown) => events.push({ type, event }));
    }
    await waitUntil(() => client.state === "closed", (wake) => client.on("state", wake), 20_000, "the client to give up");
    return events;
  }

  const TOKEN_URL = "ws://user:secret@127.0.0.1:1/ws?token=abc";

  it("when the port refuses", { timeout: 30_000 }, async () => {
    const events = await drive({ url: TOKEN_URL });
    expect(events.filter((e) => e.type === "close")).toHaveLength(3);
    expectNoSecret(events, "events");
  });

  it("when the server refuses the upgrade with 401", { timeout: 30_000 }, async () => {
    server = await startServer();
    server.rejectNext(10, 401);
    const events = await drive({ url: server.url.replace("ws://", "ws://user:secret@") + "?token=abc" });
    expect(server.rejected).toBe(3);
    expectNoSecret(events, "events");
  });

  const badUrls: Array<[string, string]> = [
    ["a bad scheme", "ftp://user:secret@127.0.0.1:1/ws?token=abc"],
    ["an unparsable URL", "ws://user:secret@[127.0.0.1/ws?token=abc"],
    ["a URL with a fragment", "ws://user:secret@127.0.0.1:1/ws?token=abc#frag"],
    ["a bad port", "ws://user:secret@127.0.0.1:99999/ws?token=abc"],
    ["a relative URL", "/ws?token=abc&password=secret"],
  ];

  it("when the url function returns URL objects and URL-like objects", { timeout: 30_000 }, async () => {
    const values: unknown[] = [new URL("ftp://user:secret@127.0.0.1:1/ws?token=abc"), { href: "ws://user:secret@[127.0.0.1/ws?token=abc" }, { href: "ftp://user:secret@h/?token=abc" }];
    for (const value of values) {
      const events = await drive({ url: () => value as URL });
      expect(events.filter((e) => e.type === "error").length).toBeGreaterThanOrEqual(1);
      expectNoSecret(events, "events");
      let thrown: unknown;
      try {
        createClient({ url: value as URL, autoConnect: false });
      } catch (error) {
        thrown = error;
      }
      expect((thrown as { code?: string }).code).toBe("INVALID_OPTIONS");
      expectNoSecret(thrown, "the thrown error");
    }
  });

  for (const [name, url] of badUrls) {
    it(`when the url function returns ${name}`, { timeout: 30_000 }, async () => {
      const events = await drive({ url: () => url });
      const errors = events.filter((e) => e.type === "error").map((e) => e.event as { code?: string });
      // each attempt reports the bad URL, and the client still gives up cleanly
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors.every((e) => e.code === "URL_ERROR")).toBe(true);
      expectNoSecret(events, "events");
    });

    it(`when createClient() is given ${name}`, () => {
      let thrown: unknown;
      try {
        clients.push(createClient({ url, autoConnect: false }));
      } catch (error) {
        thrown = error;
      }
      // a URL the WebSocket constructor rejects later may pass createClient; then the attempt must stay quiet too
      if (thrown !== undefined) expect((thrown as { code?: string }).code).toBe("INVALID_OPTIONS");
      expectNoSecret(thrown, "the thrown error");
    });
  }

  it("when a URL with a token is opened and closed normally", { timeout: 30_000 }, async () => {
    server = await startServer();
    const events: unknown[] = [];
    const client = createClient({ url: `${server.url}?token=abc`, heartbeat: false });
    clients.push(client);
    for (const type of ["state", "open", "close", "error"] as const) client.on(type, (event: unknown) => events.push({ type, event }));
    await client.opened();
    client.close();
    expect(events.length).toBeGreaterThanOrEqual(3);
    expectNoSecret(events, "events");
    expectNoSecret(client, "the client itself");
  });

  it("when the WebSocket constructor puts the URL in its own error, as browsers do", () => {
    // Chrome: "Failed to construct 'WebSocket': The URL '…' is invalid."
    const Throwing = class {
      constructor(url: string) {
        throw new SyntaxError(`Failed to construct 'WebSocket': The URL '${url}' is invalid.`);
      }
    };
    const errors: unknown[] = [];
    const client = createClient({ url: TOKEN_URL, WebSocket: Throwing as unknown as ClientOptions["WebSocket"], clock: createFakeClock(), maxRetries: 0, autoConnect: false });
    clients.push(client);
    client.on("error", (error) => errors.push(error));
    client.connect();
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(["URL_ERROR"]);
    // what went wrong is still said, without the secret
    expect((errors[0] as Error).message).toContain("is invalid");
    expectNoSecret(errors, "the error event");
  });
});
