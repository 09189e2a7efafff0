// The topics of one client on the wire (docs/protocol.md, "Topics"): one
// `sub` per topic whatever the number of handles, the position (epoch,
// offset) of each, resubscription with that position on every open, and the
// server's `subscribed`/`pub`/`gap`/`refused` frames. Plugged into the client
// through the extension contract (core/extension.ts): `open` and `claim`
// (acknowledged delivery offers it the envelopes it does not know).
import type { Client } from "../core/client.js";
import { LifelineError } from "../core/errors.js";
import { EXTEND } from "../core/extension.js";
import type { Extension, Line } from "../core/extension.js";
import type { StandardSchemaV1 } from "../core/schema.js";
import { Handle } from "./subscription.js";

interface Topic {
  readonly handles: Set<Handle>;
  /** The position: the last publication delivered (or where `subscribed`/`gap` put it); no epoch before the first answer. */
  epoch: string | undefined;
  offset: number;
  /** The `subscribed` of the latest `sub` arrived: publications before it belong to an older subscription. */
  answered: boolean;
}

/** The envelopes of topics, as the server sends them. */
type Frame = { t?: unknown; topic?: unknown; epoch?: unknown; offset?: unknown; recovered?: unknown; reason?: unknown; code?: unknown; data?: unknown };

const byClient = new WeakMap<object, Topics>();

export class Topics {
  readonly #line: Line;
  readonly #topics = new Map<string, Topic>();

  /** The topics of `client`, plugged in at its first subscribe. */
  static of(client: Client<any, any>): Topics {
    let topics = byClient.get(client);
    if (!topics) {
      (client as unknown as { [EXTEND](feature: (line: Line) => Extension): Extension })[EXTEND]((line) => (topics = new Topics(line)).#extension());
      byClient.set(client, topics!);
    }
    return topics!;
  }

  private constructor(line: Line) {
    this.#line = line;
  }

  /** True when the client speaks acknowledged delivery (topics ride on it). */
  get framed(): boolean {
    return this.#line.options.delivery !== undefined;
  }

  add(topic: string, schema: StandardSchemaV1 | undefined): Handle {
    const handle = new Handle(topic, this.#owner, schema);
    let t = this.#topics.get(topic);
    if (!t) {
      this.#topics.set(topic, (t = { handles: new Set(), epoch: undefined, offset: 0, answered: false }));
      if (this.#line.isOpen) this.#sub(topic, t);
    } else if (t.answered) {
      // already on the wire: this handle starts from here
      queueMicrotask(() => handle.tell("subscribed", { recovered: false }));
    }
    t.handles.add(handle);
    return handle;
  }

  readonly #owner = {
    check: (data: unknown, schema: StandardSchemaV1, done: (value: unknown) => void, fail: (error: Error) => void) =>
      this.#line.check(data, data, schema, done, fail),
    report: (error: LifelineError) => this.#line.events.emit("error", error),
    leave: (handle: Handle) => {
      const t = this.#topics.get(handle.topic);
      if (!t?.handles.delete(handle) || t.handles.size > 0) return;
      // a moment later: a handle made right after (React StrictMode's second mount) keeps the wire subscription
      queueMicrotask(() => {
        if (t.handles.size > 0 || this.#topics.get(handle.topic) !== t) return;
        this.#topics.delete(handle.topic);
        if (this.#line.isOpen) this.#line.write(JSON.stringify({ t: "unsub", topic: handle.topic }));
      });
    },
  };

  #extension(): Extension {
    return {
      // after the hello (acknowledged delivery opens first): every topic again, from its position
      open: () => {
        for (const [topic, t] of this.#topics) this.#sub(topic, t);
      },
      claim: (value) => this.#receive(value as Frame),
      stop: () => {
        for (const t of this.#topics.values()) for (const handle of t.handles) handle.finish();
      },
    };
  }

  #sub(topic: string, t: Topic): void {
    t.answered = false;
    this.#line.write(JSON.stringify(t.epoch === undefined ? { t: "sub", topic } : { t: "sub", topic, epoch: t.epoch, offset: t.offset }));
  }

  #receive(f: Frame): boolean {
    if (typeof f !== "object" || f === null || typeof f.topic !== "string") return false;
    const t = this.#topics.get(f.topic);
    const tell = (type: "subscribed" | "gap" | "error", event: unknown) => {
      for (const handle of t!.handles) handle.tell(type, event);
    };
    switch (f.t) {
      case "subscribed":
      case "gap":
        if (!t || typeof f.epoch !== "string" || typeof f.offset !== "number") return true;
        t.epoch = f.epoch;
        t.offset = f.offset;
        if (f.t === "gap") tell("gap", { reason: f.reason });
        else {
          t.answered = true;
          tell("subscribed", { recovered: f.recovered === true });
        }
        return true;
      case "pub": {
        if (!t?.answered || typeof f.offset !== "number") return true;
        // a later offset of the same epoch, or the first epoch after the empty position
        const next = f.epoch === t.epoch ? f.offset > t.offset : t.epoch === "" && t.offset === 0;
        if (!next) return true;
        t.epoch = f.epoch as string;
        t.offset = f.offset;
        for (const handle of t.handles) handle.deliver(f.data, f.offset);
        return true;
      }
      case "refused": {
        if (!t) return true;
        const forbidden = f.code === "FORBIDDEN";
        const error = new LifelineError(forbidden ? "FORBIDDEN" : "SUBSCRIBE_FAILED", `the server refused the subscription to "${f.topic}": ${String(f.code)}`);
        // UNAVAILABLE (the server's store or check failed) is tried again at the next connection
        if (f.code !== "UNAVAILABLE") {
          this.#topics.delete(f.topic);
          for (const handle of t.handles) handle.end(error);
        }
        tell("error", error);
        return true;
      }
      default:
        return false;
    }
  }
}
