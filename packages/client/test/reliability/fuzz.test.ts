// Hostile and random input: frames from a server that sends garbage, and
// option objects made of anything. Nothing may escape as an exception, the
// line stays up, and Object.prototype stays clean.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createClient, isLifelineError } from "../../src/index.js";
import type { Client, ClientOptions, StandardSchemaV1 } from "../../src/index.js";
import { OPEN, createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";

const Chat = z.object({ type: z.literal("chat"), text: z.string() });
const Incoming = z.discriminatedUnion("type", [Chat, z.object({ type: z.literal("presence"), users: z.array(z.string()) })]);
// a schema that copies arbitrary keys, where a "__proto__" key could do harm
const Loose = z.record(z.string(), z.unknown());

const prototypeNames = () => [...Object.getOwnPropertyNames(Object.prototype), ...Object.getOwnPropertySymbols(Object.prototype).map(String)].sort();
const cleanPrototype = prototypeNames();

function expectPrototypeClean(): void {
  expect(prototypeNames()).toEqual(cleanPrototype);
  const probe = {} as Record<string, unknown>;
  for (const key of ["polluted", "isAdmin", "x"]) expect(probe[key]).toBeUndefined();
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
}

type Outcome = { kind: "message"; value: unknown } | { kind: "invalid"; data: unknown; error: unknown };

function openClient(incoming?: StandardSchemaV1) {
  const clock = createFakeClock();
  const fake = createFakeWebSocket();
  const client = createClient<any, any>({ url: "ws://lifeline.test/ws", WebSocket: fake.WebSocket, clock, heartbeat: { interval: 1_000, timeout: 1_000 }, incoming });
  const outcomes: Outcome[] = [];
  const errors: unknown[] = [];
  client.on("message", (value) => outcomes.push({ kind: "message", value }));
  client.on("invalid", ({ data, error }) => outcomes.push({ kind: "invalid", data, error }));
  client.on("error", (error) => errors.push(error));
  fake.last().open();
  return { clock, fake, client, outcomes, errors };
}

/** Lets async schema checks and Blob reads settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** One frame in, exactly one outcome out, the line still up, nothing reported as a failure. */
async function feed(setup: ReturnType<typeof openClient>, frame: unknown): Promise<Outcome> {
  const before = setup.outcomes.length;
  expect(() => setup.fake.last().receive(frame as string)).not.toThrow();
  await settle();
  expect(setup.outcomes.length - before, "one outcome per frame").toBe(1);
  expect(setup.errors).toEqual([]);
  expect(setup.client.state).toBe("open");
  expect(setup.fake.last().readyState).toBe(OPEN);
  expect(setup.fake.live()).toHaveLength(1);
  const outcome = setup.outcomes[setup.outcomes.length - 1]!;
  if (outcome.kind === "invalid") {
    expect(isLifelineError(outcome.error) && outcome.error.code === "INVALID_MESSAGE", String(outcome.error)).toBe(true);
    // the frame as it came (views and Blobs arrive as the ArrayBuffer that was decoded)
    if (typeof frame === "string" || frame instanceof ArrayBuffer) expect(outcome.data).toBe(frame);
    else expect(outcome.data).toBeInstanceOf(ArrayBuffer);
  }
  return outcome;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const buffer = (view: Uint8Array) => view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
const MB = 1024 * 1024;

/** Frames a broken or malicious server might send, with what each must produce. */
const hostile: Array<{ name: string; frame: () => unknown; plain: Outcome["kind"]; schema: Outcome["kind"] }> = [
  { name: "invalid UTF-8 in a binary frame", frame: () => buffer(new Uint8Array([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d])), plain: "invalid", schema: "invalid" },
  { name: "a lone surrogate's bytes (CESU) in a binary frame", frame: () => buffer(new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22])), plain: "invalid", schema: "invalid" },
  { name: "invalid UTF-8 in a Uint8Array view", frame: () => new Uint8Array([0x5b, 0xc0, 0xaf, 0x5d]), plain: "invalid", schema: "invalid" },
  { name: "100k unclosed brackets", frame: () => "[".repeat(100_000), plain: "invalid", schema: "invalid" },
  { name: "100k nested arrays, closed", frame: () => "[".repeat(100_000) + "]".repeat(100_000), plain: "message", schema: "invalid" },
  { name: "100k nested objects, closed", frame: () => '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000), plain: "message", schema: "invalid" },
  { name: "a huge JSON array", frame: () => JSON.stringify(Array.from({ length: 200_000 }, (_, i) => ({ i, s: "x".repeat(8) }))), plain: "message", schema: "invalid" },
  { name: "a 10 MB text frame of JSON", frame: () => JSON.stringify({ type: "chat", text: "y".repeat(10 * MB) }), plain: "message", schema: "message" },
  { name: "a 10 MB binary frame of JSON", frame: () => buffer(bytes(JSON.stringify({ type: "chat", text: "z".repeat(10 * MB) }))), plain: "message", schema: "message" },
  { name: "a 10 MB frame of garbage", frame: () => "\u0000".repeat(10 * MB), plain: "invalid", schema: "invalid" },
  { name: "__proto__ key", frame: () => '{"type":"chat","text":"hi","__proto__":{"polluted":true,"isAdmin":true}}', plain: "message", schema: "message" },
  { name: "nested __proto__ key", frame: () => '{"a":{"__proto__":{"polluted":1}},"__proto__":{"__proto__":{"x":1}}}', plain: "message", schema: "invalid" },
  { name: "constructor.prototype keys", frame: () => '{"type":"chat","text":"hi","constructor":{"prototype":{"polluted":true}}}', plain: "message", schema: "message" },
  { name: "binary frame where text is expected", frame: () => buffer(bytes('{"type":"chat","text":"from bytes"}')), plain: "message", schema: "message" },
  { name: "an empty text frame", frame: () => "", plain: "invalid", schema: "invalid" },
  { name: "an empty binary frame", frame: () => new ArrayBuffer(0), plain: "invalid", schema: "invalid" },
  { name: "non-JSON text", frame: () => "hello, world", plain: "invalid", schema: "invalid" },
  { name: "JSON with single quotes", frame: () => "{'type':'chat'}", plain: "invalid", schema: "invalid" },
  { name: "NaN", frame: () => "NaN", plain: "invalid", schema: "invalid" },
  { name: "a bare null", frame: () => "null", plain: "message", schema: "invalid" },
  { name: "a number beyond double range", frame: () => "1e999", plain: "message", schema: "invalid" },
  { name: "a wrong discriminator", frame: () => '{"type":"toString","text":"hi"}', plain: "message", schema: "invalid" },
  { name: "a Blob of invalid UTF-8", frame: () => new Blob([new Uint8Array([0xff, 0xff])]), plain: "invalid", schema: "invalid" },
  { name: "a Blob of JSON", frame: () => new Blob(['{"type":"chat","text":"blob"}']), plain: "message", schema: "message" },
  { name: "the ping text with trailing space", frame: () => "ping ", plain: "invalid", schema: "invalid" },
];

describe("hostile frames", () => {
  afterEach(expectPrototypeClean);

  for (const withSchema of [false, true]) {
    describe(withSchema ? "with a zod schema" : "without a schema", () => {
      for (const { name, frame, plain, schema } of hostile) {
        it(`${name} → ${withSchema ? schema : plain}`, async () => {
          const setup = openClient(withSchema ? Incoming : undefined);
          const outcome = await feed(setup, frame());
          expect(outcome.kind).toBe(withSchema ? schema : plain);
          // the line still works after it
          await feed(setup, '{"type":"chat","text":"after"}');
          expect(setup.outcomes.at(-1)).toEqual({ kind: "message", value: { type: "chat", text: "after" } });
          setup.client.close();
        });
      }
    });
  }

  it("a record schema given __proto__ keys neither pollutes nor throws", async () => {
    const setup = openClient(Loose);
    for (const text of ['{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"__proto__":null}']) {
      await feed(setup, text);
    }
    setup.client.close();
  });

  it("random frames of any shape: one outcome each, never an exception, schema or not", async () => {
    const frame = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.json({ maxDepth: 6 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ type: "chat", text: v })),
      fc.uint8Array({ maxLength: 200 }).map((a) => buffer(a)),
      fc.string({ unit: "binary", maxLength: 200 }).map((s) => buffer(bytes(s))),
      fc.uint8Array({ maxLength: 64 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(frame, { minLength: 1, maxLength: 20 }), async (withSchema, frames) => {
        const setup = openClient(withSchema ? Incoming : undefined);
        for (const data of frames) {
          // heartbeat texts are answered, not delivered: not what this property is about
          if (data === "ping" || data === "pong") continue;
          const outcome = await feed(setup, data);
          if (withSchema && outcome.kind === "message") expect(Incoming.safeParse(outcome.value).success).toBe(true);
          if (!withSchema && typeof data === "string") {
            let parses = true;
            try {
              JSON.parse(data);
            } catch {
              parses = false;
            }
            expect(outcome.kind).toBe(parses ? "message" : "invalid");
          }
        }
        setup.client.close();
        expectPrototypeClean();
      }),
      { numRuns: 150 },
    );
  });

  it("handlers that throw on hostile input are reported, and the line stays up", async () => {
    const setup = openClient();
    setup.client.on("message", () => {
      throw new Error("handler blew up");
    });
    setup.client.on("invalid", () => {
      throw new Error("invalid handler blew up");
    });
    expect(() => setup.fake.last().receive("[1]")).not.toThrow();
    expect(() => setup.fake.last().receive("[")).not.toThrow();
    expect(setup.errors.map((e) => isLifelineError(e) && e.code)).toEqual(["HANDLER_ERROR", "HANDLER_ERROR"]);
    expect(setup.client.state).toBe("open");
    setup.client.close();
  });
});

describe("random options", () => {
  let fake: ReturnType<typeof createFakeWebSocket>;
  beforeEach(() => {
    fake = createFakeWebSocket();
    // a client made with no WebSocket option uses the global one: keep it off the network
    vi.stubGlobal("WebSocket", fake.WebSocket);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    expectPrototypeClean();
  });

  const junk = fc.anything({
    maxDepth: 2,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withTypedArray: true,
    withSparseArray: true,
  });
  const ms = fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double(), fc.constantFrom(Infinity, -Infinity, NaN, 0, -0));
  const goodMs = fc.integer({ min: 1, max: 100_000 });

  /** Per option: a value it accepts, and values of the right shape but possibly wrong content. */
  const fields = {
    url: [
      fc.oneof(fc.constantFrom("ws://lifeline.test/ws", "wss://lifeline.test/ws", "http://lifeline.test/ws"), fc.webUrl(), fc.constant(() => "ws://lifeline.test/ws"), fc.constant(new URL("ws://lifeline.test/ws"))),
      fc.oneof(fc.constantFrom("ftp://x/y", "ws://", "", "not a url", "ws://user:pw@[::1/ws"), fc.string()),
    ],
    protocols: [fc.oneof(fc.string(), fc.array(fc.string())), fc.array(fc.oneof(fc.string(), junk))],
    WebSocket: [fc.constant("fake" as const), fc.constant(undefined)],
    incoming: [fc.constant(Chat), fc.record({ "~standard": fc.record({ validate: junk }) })],
    outgoing: [fc.constant(Chat), fc.constant({ "~standard": {} })],
    codec: [fc.constant({ encode: JSON.stringify, decode: (d: unknown) => d }), fc.record({ encode: junk, decode: junk }, { requiredKeys: [] })],
    autoConnect: [fc.boolean(), fc.constantFrom(0, 1, "true", null)],
    connectTimeout: [goodMs, ms],
    backoff: [
      fc.record(
        { initial: fc.nat(100_000), max: fc.nat(100_000), factor: fc.double({ min: 1, max: 5, noNaN: true }), jitter: fc.constantFrom("full", "equal", "none"), resetAfter: fc.nat(100_000) },
        { requiredKeys: [] },
      ),
      fc.record({ initial: ms, max: ms, factor: fc.oneof(ms, fc.double({ min: 0, max: 5 })), jitter: fc.oneof(fc.string(), junk), resetAfter: ms }, { requiredKeys: [] }),
    ],
    maxRetries: [fc.oneof(fc.nat(10), fc.constant(Infinity)), ms],
    heartbeat: [
      fc.oneof(fc.constant(false), fc.record({ interval: goodMs, timeout: goodMs, ping: fc.string({ minLength: 1 }), pong: fc.string({ minLength: 1 }) }, { requiredKeys: [] })),
      fc.oneof(fc.constant(true), fc.record({ interval: ms, timeout: ms, ping: fc.oneof(fc.string(), junk), pong: fc.oneof(fc.string(), junk) }, { requiredKeys: [] })),
    ],
    queue: [
      fc.record({ max: fc.nat(100), overflow: fc.constantFrom("drop-oldest", "drop-newest", "error"), ttl: fc.oneof(goodMs, fc.constant(Infinity)) }, { requiredKeys: [] }),
      fc.record({ max: fc.oneof(fc.nat(100), ms), overflow: fc.oneof(fc.string(), junk), ttl: ms }, { requiredKeys: [] }),
    ],
    shouldReconnect: [fc.constant(() => true), fc.string()],
    delivery: [fc.constantFrom(undefined, atLeastOnce()), fc.oneof(fc.constantFrom("at-least-once", "at-most-once"), junk)],
    share: [fc.constant(undefined), fc.oneof(fc.string(), fc.constant(true))],
    clock: [fc.constant(createFakeClock()), fc.record({ now: junk, setTimeout: junk, clearTimeout: junk }, { requiredKeys: [] })],
    random: [fc.constant(() => 0.5), fc.oneof(fc.double(), fc.string())],
  } satisfies Record<string, [fc.Arbitrary<unknown>, fc.Arbitrary<unknown>]>;
  type Field = keyof typeof fields;
  const names = Object.keys(fields) as Field[];
  const pick = (which: 0 | 1, wild = false) =>
    Object.fromEntries(names.map((name) => [name, wild ? fc.oneof(fields[name][0], fields[name][1], junk) : fields[name][which]])) as Record<Field, fc.Arbitrary<unknown>>;

  // mostly valid objects with one field spoiled, valid ones, and wild ones with anything anywhere
  const valid = fc.record(pick(0), { requiredKeys: ["url"] });
  const options = fc.oneof(
    valid,
    fc.tuple(valid, fc.constantFrom(...names), fc.boolean()).chain(([base, name, wild]) =>
      (wild ? junk : fields[name][1]).map((bad) => ({ ...base, [name]: bad })),
    ),
    fc.record(pick(0, true), { requiredKeys: [] }),
  );

  it("createClient either works or throws LifelineError INVALID_OPTIONS / NO_WEBSOCKET, nothing else", () => {
    let made = 0;
    fc.assert(
      fc.property(options, (raw) => {
        const given = { ...raw } as Record<string, unknown>;
        if (given.WebSocket === "fake") given.WebSocket = fake.WebSocket;
        let client: Client | undefined;
        try {
          client = createClient(given as unknown as ClientOptions);
        } catch (error) {
          expect(isLifelineError(error), `threw ${String(error)}`).toBe(true);
          const code = (error as { code: string }).code;
          const junkWebSocket = "WebSocket" in given && given.WebSocket !== undefined && typeof given.WebSocket !== "function";
          expect(code === "INVALID_OPTIONS" || (code === "NO_WEBSOCKET" && junkWebSocket), `${code}: ${(error as Error).message}`).toBe(true);
          expect(typeof (error as Error).message).toBe("string");
          return;
        }
        made++;
        // a client that was made is usable and closes cleanly
        expect(["idle", "connecting", "reconnecting", "closed"]).toContain(client.state);
        expect(() => client.close()).not.toThrow();
        expect(client.state).toBe("closed");
      }),
      { numRuns: 1_500 },
    );
    // the generator reaches valid option objects too, not only rejections
    expect(made).toBeGreaterThan(150);
  });

  it("anything at all as the options argument", () => {
    fc.assert(
      fc.property(fc.oneof(junk, fc.constant(undefined), fc.constant(null)), (value) => {
        try {
          createClient(value as unknown as ClientOptions).close();
        } catch (error) {
          expect(isLifelineError(error) && error.code === "INVALID_OPTIONS", `threw ${String(error)}`).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
