// Type tests of @lifeline/client/topics: checked by `tsc -p packages/client/tsconfig.json --noEmit`;
// at run time vitest only confirms the file runs. Each `@ts-expect-error` fails the typecheck if the
// line it guards ever compiles.
import { expectTypeOf, it } from "vitest";
import { z } from "zod";
import * as zm from "zod/mini";
import { createClient } from "../../src/index.js";
import type { LifelineError } from "../../src/index.js";
import { atLeastOnce } from "../../src/at-least-once/index.js";
import { subscribe } from "../../src/topics/index.js";
import type { Subscription } from "../../src/topics/index.js";
import { createFakeWebSocket } from "../../src/testing.js";

const Chat = z.object({ from: z.string(), text: z.string() });

it("types a subscription by its schema, and its events", () => {
  const client = createClient({ url: "ws://t", WebSocket: createFakeWebSocket().WebSocket, autoConnect: false, delivery: atLeastOnce() });
  const room = subscribe(client, "room", { schema: Chat });
  expectTypeOf(room).toEqualTypeOf<Subscription<{ from: string; text: string }>>();
  room.on("message", (msg, meta) => {
    expectTypeOf(msg).toEqualTypeOf<{ from: string; text: string }>();
    expectTypeOf(meta).toEqualTypeOf<{ readonly offset: number }>();
  });
  room.on("gap", (event) => expectTypeOf(event.reason).toEqualTypeOf<"trimmed" | "epoch">());
  room.on("subscribed", (event) => expectTypeOf(event.recovered).toEqualTypeOf<boolean>());
  room.on("error", (error) => expectTypeOf(error).toEqualTypeOf<LifelineError>());
  expectTypeOf(room.on("gap", () => {})).toEqualTypeOf<() => void>();
  // @ts-expect-error: no such event
  room.on("publication", () => {});
  // @ts-expect-error: a message handler gets the schema's output, not a number
  room.on("message", (msg: number) => msg);
  expectTypeOf(subscribe(client, "plain")).toEqualTypeOf<Subscription<unknown>>();
  expectTypeOf(subscribe(client, "mini", { schema: zm.object({ n: zm.number() }) })).toEqualTypeOf<Subscription<{ n: number }>>();
  // async iteration yields the schema's output
  void (async () => {
    for await (const msg of room) expectTypeOf(msg).toEqualTypeOf<{ from: string; text: string }>();
  });
  // only its type matters (at run time it throws INVALID_OPTIONS)
  // @ts-expect-error: a topic is a string
  expectTypeOf(() => subscribe(client, 42)).toBeFunction();
  client.close();
});
