// The hooks' types: messages narrowed by the client's schemas, and misuse
// rejected at compile time.
import { createClient } from "@lifeline/client";
import type { Client, State } from "@lifeline/client";
import { describe, expectTypeOf, it } from "vitest";
import { useClient, useLatency, useLatest, useLifeline, useLifelineState, useMessages, useOnType } from "../../src/index.js";
import { Incoming, Outgoing } from "../helpers.js";
import type { Incoming as In } from "../helpers.js";

// never called: only compiled (hooks cannot run outside a component)
function typed() {
  const client = useClient(() => ({ url: "ws://x.test", incoming: Incoming, outgoing: Outgoing }));
  expectTypeOf(client).toEqualTypeOf<Client<In, { type: "chat"; text: string }>>();
  expectTypeOf(useLifelineState(client)).toEqualTypeOf<State>();
  expectTypeOf(useLatency(client)).toEqualTypeOf<number | undefined>();
  expectTypeOf(useLatest(client)).toEqualTypeOf<In | undefined>();
  expectTypeOf(useLatest(client, "presence")).toEqualTypeOf<{ type: "presence"; users: string[] } | undefined>();
  useMessages(client, (msg) => expectTypeOf(msg).toEqualTypeOf<In>());
  useOnType(client, "chat", (msg) => expectTypeOf(msg).toEqualTypeOf<{ type: "chat"; n: number }>());
  // @ts-expect-error not a type of the incoming union
  useOnType(client, "nope", () => {});
  // @ts-expect-error not a type of the incoming union
  useLatest(client, "nope");
  // @ts-expect-error options come from a function, not an object
  useClient({ url: "ws://x.test" });
  client.send({ type: "chat", text: "hi" });
  // @ts-expect-error the outgoing schema types send()
  client.send({ type: "chat", text: 1 });

  const outside = createClient({ url: "ws://x.test", incoming: Incoming });
  expectTypeOf(useLifeline<typeof outside>()).toEqualTypeOf(outside);
  expectTypeOf(useLifeline()).toEqualTypeOf<Client>();
  const untyped = useClient(() => ({ url: () => "ws://x.test" }));
  useMessages(untyped, (msg) => expectTypeOf(msg).toEqualTypeOf<unknown>());
}

describe("types", () => {
  it("compile (checked by tsc; this only keeps the function referenced)", () => {
    expectTypeOf(typed).toBeFunction();
  });
});
