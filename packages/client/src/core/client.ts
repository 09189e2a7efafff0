// createClient, and the client's last link: its construction (features,
// autoConnect, createClient's events held for late handlers) and disposal,
// over the heartbeat (heartbeat.ts), the line (connection.ts: phases, the
// socket, retries, connect/reconnect/close), what it sends and receives
// (messages.ts) and its events (events.ts).
import type { Client } from "./api.js";
import { Heartbeat } from "./heartbeat.js";
import { EXTEND } from "./extension.js";
import { resolveOptions } from "./options.js";
import type { ClientOptions, InferInput, InferOutput, StandardSchemaV1 } from "./types.js";

class LifelineClient<I, O> extends Heartbeat implements Client<I, O> {
  constructor(options: ClientOptions<any, any>) {
    super(resolveOptions(options), options.url);
    const o = this.options;
    if ((typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" && o.debug) this.log = o.debug === true ? (line) => console.debug(line) : o.debug;
    for (const feature of [o.share, o.delivery]) if (feature) this[EXTEND](feature);
    if (o.autoConnect) this.connect();
    // the first attempt's events wait for handlers attached right after createClient returns
    this.hold();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

/**
 * Creates a client that connects (unless `autoConnect: false`), reconnects
 * with jittered backoff, checks the line with a heartbeat and queues what is
 * sent while it is down. Throws `INVALID_OPTIONS` or `NO_WEBSOCKET` at once
 * for options it cannot use. Events of the first attempt are held until the
 * caller's code has run (the next microtask), so handlers attached right
 * after `createClient` returns hear them.
 *
 * @example
 * const client = createClient({ url: "wss://example.test/ws", incoming: Incoming });
 * client.onType("chat", (msg) => console.log(msg.text));
 * client.send({ type: "chat", text: "hi" });
 */
export function createClient<In extends StandardSchemaV1 = StandardSchemaV1<unknown>, Out extends StandardSchemaV1 = StandardSchemaV1<unknown>>(
  options: ClientOptions<In, Out>,
): Client<InferOutput<In>, InferInput<Out>> {
  return new LifelineClient<InferOutput<In>, InferInput<Out>>(options);
}
