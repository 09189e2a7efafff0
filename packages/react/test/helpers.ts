// A fake WebSocket and a fake clock behind every hook test: sockets are
// counted, frames are delivered by hand, and time moves only when told to.
import type { ClientOptions } from "@lifeline/client";
import { createFakeClock, createFakeWebSocket } from "@lifeline/client/testing";
import { z } from "zod";

export const Incoming = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chat"), n: z.number() }),
  z.object({ type: z.literal("presence"), users: z.array(z.string()) }),
]);
export type Incoming = z.infer<typeof Incoming>;
export const Outgoing = z.object({ type: z.literal("chat"), text: z.string() });

/** A kit for one test: the fake socket constructor, the clock, and options that use both. */
export function kit() {
  const clock = createFakeClock();
  const fake = createFakeWebSocket();
  const options = {
    url: "ws://react.test/ws",
    WebSocket: fake.WebSocket,
    clock,
    incoming: Incoming,
    outgoing: Outgoing,
    heartbeat: { interval: 1_000, timeout: 500 },
    random: () => 0.5,
  } satisfies ClientOptions<typeof Incoming, typeof Outgoing>;
  return { clock, fake, options };
}

export const chat = (n: number) => JSON.stringify({ type: "chat", n });
