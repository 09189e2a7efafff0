// Type tests: checked by `tsc -p packages/client/tsconfig.json --noEmit`
// (the first step of the package's `npm test`); at run time vitest only
// confirms the file runs. Each `@ts-expect-error` fails the typecheck if the
// line it guards ever compiles.
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import * as zm from "zod/mini";
import { createClient, isLifelineError, LifelineError } from "../../src/index.js";
import type { Client, CloseEvent, LifelineErrorCode, SendResult, State, StateChange } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import { request } from "../../src/request/index.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";

const Incoming = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chat"), text: z.string() }),
  z.object({ type: z.literal("presence"), users: z.array(z.string()) }),
]);
type Chat = { type: "chat"; text: string };
type Presence = { type: "presence"; users: string[] };

const MiniIncoming = zm.discriminatedUnion("type", [
  zm.object({ type: zm.literal("chat"), text: zm.string() }),
  zm.object({ type: zm.literal("presence"), users: zm.array(zm.string()) }),
]);

const Outgoing = z.object({ type: z.literal("say"), text: z.string(), at: z.date().optional() });

/** Wraps what would do something at run time (a request, a throw): only its types matter. */
const typeOnly = (fn: () => unknown) => void fn;

/** Fake socket, fake clock, never connects: these clients exist for their types. */
function base() {
  return { url: "ws://types.test/ws", WebSocket: createFakeWebSocket().WebSocket, clock: createFakeClock(), autoConnect: false };
}

describe("types", () => {
  it("infers the message type from a zod incoming schema", () => {
    const client = createClient({ ...base(), incoming: Incoming });
    expectTypeOf(client).toEqualTypeOf<Client<Chat | Presence, unknown>>();
    client.on("message", (message) => {
      expectTypeOf(message).toEqualTypeOf<Chat | Presence>();
    });
    client.on("invalid", ({ data, error }) => {
      expectTypeOf(data).toBeUnknown();
      expectTypeOf(error).toEqualTypeOf<LifelineError>();
    });
    expectTypeOf(client[Symbol.asyncIterator]()).toEqualTypeOf<AsyncIterableIterator<Chat | Presence>>();
    typeOnly(() => expectTypeOf(request(client, {})).toEqualTypeOf<Promise<Chat | Presence>>());
    client.close();
  });

  it("infers the message type from a zod/mini schema", () => {
    const client = createClient({ ...base(), incoming: MiniIncoming });
    client.on("message", (message) => {
      expectTypeOf(message).toEqualTypeOf<Chat | Presence>();
    });
    client.onType("presence", (message) => {
      expectTypeOf(message).toEqualTypeOf<Presence>();
    });
    client.close();
  });

  it("uses the schema's output type (transforms)", () => {
    const client = createClient({ ...base(), incoming: z.object({ n: z.string().transform(Number) }) });
    client.on("message", (message) => {
      expectTypeOf(message).toEqualTypeOf<{ n: number }>();
    });
    client.close();
  });

  it("narrows onType handlers by type and refuses unknown types", () => {
    const client = createClient({ ...base(), incoming: Incoming });
    client.onType("chat", (message) => {
      expectTypeOf(message).toEqualTypeOf<Chat>();
      expectTypeOf(message.text).toBeString();
    });
    client.onType("presence", (message) => {
      expectTypeOf(message.users).toEqualTypeOf<string[]>();
      // @ts-expect-error a presence message has no text
      void message.text;
    });
    // @ts-expect-error "typing" is not a type of the union
    client.onType("typing", () => {});
    expectTypeOf(client.onType("chat", () => {})).toEqualTypeOf<() => void>();
    client.close();
  });

  it("types send() by the outgoing schema's input", () => {
    const client = createClient({ ...base(), outgoing: Outgoing });
    expectTypeOf(client.send).parameter(0).toEqualTypeOf<{ type: "say"; text: string; at?: Date | undefined }>();
    expectTypeOf(client.send({ type: "say", text: "hi" })).toEqualTypeOf<SendResult>();
    // the schema would also refuse these at run time
    // @ts-expect-error wrong literal
    typeOnly(() => client.send({ type: "shout", text: "hi" }));
    // @ts-expect-error missing text
    typeOnly(() => client.send({ type: "say" }));
    // @ts-expect-error not an object
    typeOnly(() => client.send("hi"));
    expectTypeOf(client.pending).toEqualTypeOf<readonly { type: "say"; text: string; at?: Date | undefined }[]>();
    client.on("drop", ({ message, reason }) => {
      expectTypeOf(message).toEqualTypeOf<{ type: "say"; text: string; at?: Date | undefined }>();
      expectTypeOf(reason).toEqualTypeOf<"overflow" | "expired">();
    });
    client.close();
  });

  it("is unknown both ways without schemas", () => {
    const client = createClient(base());
    expectTypeOf(client).toEqualTypeOf<Client<unknown, unknown>>();
    client.on("message", (message) => expectTypeOf(message).toBeUnknown());
    expectTypeOf(client.send).parameter(0).toBeUnknown();
    client.send(42);
    client.send({ anything: [1, "two"] });
    client.close();
  });

  it("types every event payload", () => {
    const client = createClient(base());
    client.on("state", (e) => {
      expectTypeOf(e).toEqualTypeOf<StateChange>();
      expectTypeOf(e.from).toEqualTypeOf<State>();
      expectTypeOf(e.to).toEqualTypeOf<"idle" | "connecting" | "open" | "reconnecting" | "closed">();
    });
    client.on("open", (e) => expectTypeOf(e).toEqualTypeOf<{ readonly attempt: number }>());
    client.on("close", (e) => {
      expectTypeOf(e).toEqualTypeOf<CloseEvent>();
      expectTypeOf(e.code).toBeNumber();
      expectTypeOf(e.reason).toBeString();
      expectTypeOf(e.wasClean).toBeBoolean();
      expectTypeOf(e.willReconnect).toBeBoolean();
    });
    client.on("reconnecting", (e) => expectTypeOf(e).toEqualTypeOf<{ readonly attempt: number; readonly delay: number }>());
    client.on("heartbeat", (e) => expectTypeOf(e).toEqualTypeOf<{ readonly rtt: number }>());
    client.on("error", (e) => {
      expectTypeOf(e).toEqualTypeOf<LifelineError>();
      expectTypeOf(e.code).toEqualTypeOf<LifelineErrorCode>();
    });
    // @ts-expect-error no such event
    client.on("opened", () => {});
    // @ts-expect-error wrong payload type for the handler
    client.on("open", (e: { rtt: number }) => void e);
    expectTypeOf(client.on("open", () => {})).toEqualTypeOf<() => void>();
    client.close();
  });

  it("types the client's members", () => {
    const client = createClient(base());
    expectTypeOf(client.state).toEqualTypeOf<State>();
    expectTypeOf(client.latency).toEqualTypeOf<number | undefined>();
    typeOnly(() => expectTypeOf(client.opened()).toEqualTypeOf<Promise<void>>());
    expectTypeOf(client.close).parameters.toEqualTypeOf<[code?: number, reason?: string]>();
    typeOnly(() => expectTypeOf(request(client, {}, { schema: z.object({ ok: z.boolean() }) })).toEqualTypeOf<Promise<{ ok: boolean }>>());
    typeOnly(() => {
      // @ts-expect-error state is read-only
      client.state = "open";
    });
    client.close();
  });

  it("takes opt-in features only from their entry points", () => {
    createClient({ ...base(), delivery: atLeastOnce({ ackEvery: 8 }) }).close();
    typeOnly(() => {
      // @ts-expect-error the version-1 string is gone: use atLeastOnce()
      createClient({ ...base(), delivery: "at-least-once" });
      // @ts-expect-error request() is a function of its own entry point now
      createClient(base()).request({});
    });
  });

  it("narrows with isLifelineError", () => {
    const value: unknown = new LifelineError("CLOSED", "x");
    if (isLifelineError(value)) expectTypeOf(value.code).toEqualTypeOf<LifelineErrorCode>();
    // @ts-expect-error not an error code
    typeOnly(() => new LifelineError("NOPE", "x"));
  });

  it("rejects wrong option types at createClient", () => {
    const fake = createFakeWebSocket();
    // each call below would also throw INVALID_OPTIONS at run time, so they never run
    const never = typeOnly;
    // @ts-expect-error url is required
    never(() => createClient({ WebSocket: fake.WebSocket }));
    // @ts-expect-error url must be a string, URL or function
    never(() => createClient({ url: 42 }));
    // @ts-expect-error a url function returns a string or URL
    never(() => createClient({ url: () => 42 }));
    // @ts-expect-error unknown jitter
    never(() => createClient({ url: "ws://x", backoff: { jitter: "random" } }));
    // @ts-expect-error delays are numbers
    never(() => createClient({ url: "ws://x", backoff: { initial: "500ms" } }));
    // @ts-expect-error unknown overflow policy
    never(() => createClient({ url: "ws://x", queue: { overflow: "drop-random" } }));
    // @ts-expect-error heartbeat is options or false
    never(() => createClient({ url: "ws://x", heartbeat: true }));
    // @ts-expect-error maxRetries is a number
    never(() => createClient({ url: "ws://x", maxRetries: "3" }));
    // @ts-expect-error incoming must be a Standard Schema
    never(() => createClient({ url: "ws://x", incoming: { parse: (x: unknown) => x } }));
    // @ts-expect-error shouldReconnect returns a boolean
    never(() => createClient({ url: "ws://x", shouldReconnect: () => "yes" }));
    // @ts-expect-error unknown option
    never(() => createClient({ url: "ws://x", reconnect: true }));
    // @ts-expect-error codec needs decode
    never(() => createClient({ url: "ws://x", codec: { encode: JSON.stringify } }));
    // @ts-expect-error unknown delivery mode
    never(() => createClient({ url: "ws://x", delivery: "exactly-once" }));
    // these are fine
    never(() => createClient({ url: new URL("wss://x"), heartbeat: false, backoff: { initial: 100 } }));
    never(() => createClient({ url: async () => "wss://x", protocols: ["a"], queue: { ttl: Infinity } }));
  });
});
