// A real @lifeline/test-server on 127.0.0.1 port 0 per test and clients on
// Node 22's global WebSocket; everything a test made is closed in afterEach.
import { startServer } from "@lifeline/test-server";
import type { ServerOptions, TestServer } from "@lifeline/test-server";
import { createClient } from "../../src/index.js";
import type { Client, ClientEvents, ClientOptions, StandardSchemaV1 } from "../../src/index.js";

const cleanups: Array<() => unknown> = [];

/** For afterEach: closes every client, then every server, that the test made. */
export async function cleanup(): Promise<void> {
  for (const task of cleanups.splice(0).reverse()) await task();
}

export async function serve(options: ServerOptions = {}): Promise<TestServer> {
  const server = await startServer({ port: 0, ...options });
  cleanups.push(() => server.close());
  return server;
}

/** Short timings so a whole outage takes a fraction of a second. */
export const FAST = {
  backoff: { initial: 50, max: 200, factor: 2, jitter: "none" },
  heartbeat: false,
} as const satisfies Partial<ClientOptions>;

export function connect<In extends StandardSchemaV1 = StandardSchemaV1<unknown>, Out extends StandardSchemaV1 = StandardSchemaV1<unknown>>(
  options: ClientOptions<In, Out>,
) {
  const client = createClient({ ...FAST, ...options } as ClientOptions<In, Out>);
  cleanups.push(() => client.close());
  return client;
}

/** A fresh server and a client of it (`options` aside from the url): resolves once the client is open and the server counts it. */
export async function connected(options: Partial<ClientOptions> = {}) {
  const server = await serve();
  const client = connect({ ...options, url: server.url });
  await client.opened();
  await server.waitForClients(1);
  return { server, client };
}

/** The next `type` event (that passes `filter`), or a rejection naming what did not come within `timeoutMs`. */
export function next<In, Out, K extends keyof ClientEvents<In, Out>>(
  client: Client<In, Out>,
  type: K,
  filter: (event: ClientEvents<In, Out>[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<ClientEvents<In, Out>[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no "${String(type)}" event within ${timeoutMs} ms (state ${client.state})`));
    }, timeoutMs);
    const stop = client.on(type, (event) => {
      if (!filter(event)) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

/** Polls a condition that has no event of its own (bounded). */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The JSON user frames the server received, in order, with the connection each came on. */
export function receivedJson(server: TestServer): Array<{ client: number; data: unknown }> {
  return server.received.filter((r) => !r.binary).map((r) => ({ client: r.client, data: JSON.parse(r.data as string) }));
}
