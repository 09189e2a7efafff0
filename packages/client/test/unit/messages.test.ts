import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as zm from "zod/mini";
import { createClient, jsonCodec } from "../../src/index.js";
import type { Codec, StandardSchemaV1 } from "../../src/index.js";
import { createFakeClock, createFakeWebSocket } from "../../src/testing.js";
import { flushMicrotasks, sentJson, setup, TEST_URL } from "./helpers.js";

const Chat = z.object({ type: z.literal("chat"), text: z.string() });
const Presence = z.object({ type: z.literal("presence"), users: z.array(z.string()) });
const Incoming = z.discriminatedUnion("type", [Chat, Presence]);

const MiniIncoming = zm.discriminatedUnion("type", [
  zm.object({ type: zm.literal("chat"), text: zm.string() }),
  zm.object({ type: zm.literal("presence"), users: zm.array(zm.string()) }),
]);

function openClient(options = {}) {
  const s = setup({ heartbeat: false, ...options });
  s.fake.last().open();
  return s;
}

describe("incoming", () => {
  it("decodes JSON text frames with the default codec", () => {
    const { fake, client, log } = openClient();
    fake.last().receive('{"type":"chat","text":"hi"}');
    fake.last().receive("[1,2]");
    fake.last().receive("42");
    expect(log.of("message")).toEqual([{ type: "chat", text: "hi" }, [1, 2], 42]);
    client.close();
  });

  it("sets binaryType to arraybuffer", () => {
    const { fake, client } = setup();
    expect(fake.last().binaryType).toBe("arraybuffer");
    client.close();
  });

  it("reads a binary frame as UTF-8 JSON with the default codec", () => {
    const { fake, client, log } = openClient();
    fake.last().receive(new TextEncoder().encode('{"type":"chat","text":"été"}').buffer);
    expect(log.of("message")).toEqual([{ type: "chat", text: "été" }]);
    client.close();
  });

  describe("binary frames reach codec.decode as an ArrayBuffer", () => {
    function binaryClient() {
      const seen: unknown[] = [];
      const codec: Codec = {
        encode: (m) => new Uint8Array(m as number[]),
        decode: (data) => {
          seen.push(data);
          return data instanceof ArrayBuffer ? [...new Uint8Array(data)] : data;
        },
      };
      return { seen, ...openClient({ codec }) };
    }

    it("from an ArrayBuffer", () => {
      const { seen, fake, client, log } = binaryClient();
      fake.last().receive(new Uint8Array([1, 2, 3]).buffer);
      expect(seen[0]).toBeInstanceOf(ArrayBuffer);
      expect(log.of("message")).toEqual([[1, 2, 3]]);
      client.close();
    });

    it("from a Uint8Array view into a larger buffer (only the view's bytes)", () => {
      const { seen, fake, client, log } = binaryClient();
      const backing = new Uint8Array([9, 9, 4, 5, 6, 9]);
      fake.last().receive(backing.subarray(2, 5));
      expect(seen[0]).toBeInstanceOf(ArrayBuffer);
      expect(log.of("message")).toEqual([[4, 5, 6]]);
      client.close();
    });

    it("from a Node Buffer, as Bun delivers (pooled, at an offset)", () => {
      const { seen, fake, client, log } = binaryClient();
      // small Buffers share one pool, so byteOffset is usually not 0
      Buffer.from("padding");
      const buffer = Buffer.from([7, 8]);
      expect(buffer.buffer.byteLength).toBeGreaterThan(2);
      fake.last().receive(buffer);
      expect(seen[0]).toBeInstanceOf(ArrayBuffer);
      expect((seen[0] as ArrayBuffer).byteLength).toBe(2);
      expect(log.of("message")).toEqual([[7, 8]]);
      client.close();
    });

    it("text frames stay strings", () => {
      const { seen, fake, client } = binaryClient();
      fake.last().receive("text");
      expect(seen).toEqual(["text"]);
      client.close();
    });
  });

  it("uses a custom codec both ways", () => {
    const codec: Codec = {
      encode: (m) => `>${JSON.stringify(m)}`,
      decode: (d) => ({ decoded: String(d).slice(1) }),
    };
    const { fake, client, log } = openClient({ codec });
    client.send({ a: 1 });
    expect(fake.last().sent).toEqual(['>{"a":1}']);
    fake.last().receive("<abc");
    expect(log.of("message")).toEqual([{ decoded: "abc" }]);
    client.close();
  });

  it("jsonCodec refuses what JSON cannot encode", () => {
    expect(() => jsonCodec.encode(undefined)).toThrow(TypeError);
    expect(jsonCodec.encode({ a: [1] })).toBe('{"a":[1]}');
  });

  it.each([
    ["zod 4", Incoming],
    ["zod/mini", MiniIncoming],
  ] as const)("validates with a %s schema: valid → message, invalid → invalid { data, error }, the line stays up", (_, schema) => {
    const { fake, client, log } = openClient({ incoming: schema });
    fake.last().receive('{"type":"chat","text":"hi"}');
    const bad = '{"type":"chat","text":42}';
    fake.last().receive(bad);
    fake.last().receive('{"type":"unknown"}');
    fake.last().receive('{"type":"presence","users":["ann"]}');
    expect(log.of("message")).toEqual([
      { type: "chat", text: "hi" },
      { type: "presence", users: ["ann"] },
    ]);
    const invalid = log.of("invalid");
    expect(invalid).toHaveLength(2);
    expect(invalid[0]!.data).toBe(bad);
    expect(invalid[0]!.error).toMatchObject({ name: "LifelineError", code: "INVALID_MESSAGE" });
    expect(invalid[0]!.error.message).toContain("text");
    expect(invalid[0]!.error.cause).toBeDefined();
    expect(client.state).toBe("open");
    expect(log.of("close")).toEqual([]);
    client.close();
  });

  it("delivers what the schema outputs (transforms and defaults applied)", () => {
    const schema = z.object({ n: z.string().transform(Number), tag: z.string().default("none") });
    const { fake, client, log } = openClient({ incoming: schema });
    fake.last().receive('{"n":"41"}');
    expect(log.of("message")).toEqual([{ n: 41, tag: "none" }]);
    client.close();
  });

  it("names an issue's path in the invalid error, PathSegment objects ({ key }) included", () => {
    const schema: StandardSchemaV1 = {
      "~standard": { version: 1, vendor: "test", validate: () => ({ issues: [{ message: "expected a string", path: [{ key: "items" }, 0, "text"] }, { message: "bad" }] }) },
    };
    const { fake, client, log } = openClient({ incoming: schema });
    fake.last().receive('{"items":[{"text":1}]}');
    expect(log.of("invalid")[0]!.error.message).toBe("the message does not match its schema: items.0.text: expected a string; bad");
    client.close();
  });

  it("reports an undecodable frame as invalid and keeps going", () => {
    const { fake, client, log } = openClient();
    fake.last().receive("{not json");
    fake.last().receive('{"ok":true}');
    expect(log.of("invalid")).toMatchObject([{ data: "{not json", error: { code: "INVALID_MESSAGE" } }]);
    expect(log.of("invalid")[0]!.error.message).toMatch(/decode/);
    expect(log.of("message")).toEqual([{ ok: true }]);
    expect(client.state).toBe("open");
    client.close();
  });

  it("reports a codec whose decode throws as invalid", () => {
    const codec: Codec = {
      encode: String,
      decode: () => {
        throw new RangeError("bad frame");
      },
    };
    const { fake, client, log } = openClient({ codec });
    fake.last().receive("x");
    expect(log.of("invalid")).toMatchObject([{ data: "x", error: { code: "INVALID_MESSAGE", cause: expect.any(RangeError) } }]);
    client.close();
  });

  describe("asynchronous schemas", () => {
    /** A Standard Schema whose validations finish when the test says so. */
    function controlledSchema() {
      const pending: Array<{ value: unknown; finish(): void }> = [];
      const schema: StandardSchemaV1<unknown, unknown> = {
        "~standard": {
          version: 1,
          vendor: "test",
          validate: (value) =>
            new Promise((resolve) => {
              pending.push({
                value,
                finish: () => resolve((value as { ok?: boolean }).ok === false ? { issues: [{ message: "not ok" }] } : { value }),
              });
            }),
        },
      };
      return { schema, pending };
    }

    it("keep the order of frames even when later validations finish first", async () => {
      const { schema, pending } = controlledSchema();
      const { fake, client, log } = openClient({ incoming: schema });
      fake.last().receive('{"n":1}');
      fake.last().receive('{"n":2,"ok":false}');
      fake.last().receive('{"n":3}');
      await flushMicrotasks();
      // validated one after another, so only the first is in flight
      expect(pending).toHaveLength(1);
      pending[0]!.finish();
      await flushMicrotasks();
      pending[1]!.finish();
      await flushMicrotasks();
      pending[2]!.finish();
      await flushMicrotasks();
      expect(log.all.filter((r) => r.type === "message" || r.type === "invalid").map((r) => r.type)).toEqual(["message", "invalid", "message"]);
      expect(log.of("message")).toEqual([{ n: 1 }, { n: 3 }]);
      expect(log.of("invalid")[0]!.data).toBe('{"n":2,"ok":false}');
      client.close();
    });

    it("work with a zod schema that refines asynchronously, in order", async () => {
      const slowFirst = z.object({ n: z.number() }).refine(async ({ n }) => {
        // the first message takes longer than the others
        for (let i = 0; i < (n === 1 ? 20 : 1); i++) await Promise.resolve();
        return n !== 2;
      });
      const { fake, client, log } = openClient({ incoming: slowFirst });
      for (const n of [1, 2, 3, 4]) fake.last().receive(JSON.stringify({ n }));
      await waitUntil(() => log.of("message").length + log.of("invalid").length === 4);
      expect(log.of("message")).toEqual([{ n: 1 }, { n: 3 }, { n: 4 }]);
      expect(log.of("invalid").map((i) => i.data)).toEqual(['{"n":2}']);
      client.close();
    });
  });
});

/** Polls `check` across microtask turns (bounded) until it holds. */
async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !check(); i++) await new Promise((r) => setImmediate(r));
  expect(check()).toBe(true);
}

describe("onType", () => {
  it("gets only the messages of its type and returns an unsubscribe", () => {
    const fake = createFakeWebSocket();
    const client = createClient({ url: TEST_URL, WebSocket: fake.WebSocket, clock: createFakeClock(), incoming: Incoming });
    fake.last().open();
    const chats: unknown[] = [];
    const presence: unknown[] = [];
    const stop = client.onType("chat", (m) => chats.push(m));
    client.onType("presence", (m) => presence.push(m));
    fake.last().receive('{"type":"chat","text":"a"}');
    fake.last().receive('{"type":"presence","users":[]}');
    stop();
    fake.last().receive('{"type":"chat","text":"b"}');
    expect(chats).toEqual([{ type: "chat", text: "a" }]);
    expect(presence).toEqual([{ type: "presence", users: [] }]);
    client.close();
  });

  it("ignores messages without a type, and invalid ones", () => {
    const { fake, client } = openClient();
    const seen: unknown[] = [];
    client.onType("chat" as never, (m) => seen.push(m));
    fake.last().receive("null");
    fake.last().receive("[]");
    fake.last().receive('{"kind":"chat"}');
    fake.last().receive("{oops");
    expect(seen).toEqual([]);
    client.close();
  });
});

describe("outgoing", () => {
  const Outgoing = z.object({ type: z.literal("chat"), text: z.string().min(1) });

  it("sends what the schema accepts", () => {
    const { fake, client } = openClient({ outgoing: Outgoing });
    expect(client.send({ type: "chat", text: "hi" })).toBe("sent");
    expect(sentJson(fake.last())).toEqual([{ type: "chat", text: "hi" }]);
    client.close();
  });

  it("sends what the schema outputs (transforms and defaults applied), queued or not", () => {
    const schema = z.object({ type: z.literal("chat"), text: z.string().transform((t) => t.trim()), v: z.number().default(2) });
    const { fake, client } = setup({ heartbeat: false, outgoing: schema });
    expect(client.send({ type: "chat", text: "  queued " })).toBe("queued");
    // pending holds the message as passed; the wire carries the schema's output
    expect(client.pending).toEqual([{ type: "chat", text: "  queued " }]);
    fake.last().open();
    expect(client.send({ type: "chat", text: " hi " })).toBe("sent");
    expect(sentJson(fake.last())).toEqual([
      { type: "chat", text: "queued", v: 2 },
      { type: "chat", text: "hi", v: 2 },
    ]);
    client.close();
  });

  it("throws INVALID_MESSAGE for an invalid message: nothing sent", () => {
    const { fake, client } = openClient({ outgoing: Outgoing });
    expect(() => client.send({ type: "chat", text: "" })).toThrow(expect.objectContaining({ code: "INVALID_MESSAGE", name: "LifelineError" }));
    expect(fake.last().sent).toEqual([]);
    client.close();
  });

  it("throws INVALID_MESSAGE for an invalid message: nothing queued", () => {
    const { client } = setup({ outgoing: zm.object({ type: zm.literal("chat") }) });
    expect(() => client.send({ type: "other" })).toThrow(expect.objectContaining({ code: "INVALID_MESSAGE" }));
    expect(client.pending).toEqual([]);
    client.close();
  });

  it("refuses an outgoing schema that validates asynchronously", () => {
    const schema = z.object({ a: z.number() }).refine(async () => true);
    const { client } = setup({ outgoing: schema });
    expect(() => client.send({ a: 1 })).toThrow(expect.objectContaining({ code: "INVALID_MESSAGE" }));
    expect(client.pending).toEqual([]);
    client.close();
  });

  it.each([
    ["undefined", undefined],
    ["a function", () => 1],
    ["a BigInt", { n: 10n }],
    ["a cycle", (() => {
      const o: Record<string, unknown> = {};
      o.self = o;
      return o;
    })()],
  ])("an unencodable message (%s) throws INVALID_MESSAGE and is neither sent nor queued", (_, message) => {
    const { fake, client } = setup();
    expect(() => client.send(message)).toThrow(expect.objectContaining({ code: "INVALID_MESSAGE" }));
    expect(client.pending).toEqual([]);
    fake.last().open();
    expect(() => client.send(message)).toThrow(expect.objectContaining({ code: "INVALID_MESSAGE" }));
    expect(fake.last().sent).toEqual([]);
    client.close();
  });

  it("sends binary frames a codec produces", () => {
    const codec: Codec = { encode: () => new Uint8Array([1, 2]), decode: (d) => d };
    const { fake, client } = openClient({ codec });
    client.send("anything");
    expect(fake.last().sent).toEqual([new Uint8Array([1, 2])]);
    client.close();
  });
});
