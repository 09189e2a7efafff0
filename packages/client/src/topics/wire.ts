// The topics of one client on the wire (docs/protocol.md, "Topics"): one
// `sub` per topic whatever the number of handles, the position (epoch,
// offset) of each, resubscription from that position on every open, and the
// server's `subscribed`/`pub`/`gap`/`refused` frames. Plugged into the client
// through the extension contract (core/extension.ts): `open`, `claim`
// (acknowledged delivery offers it the envelopes it does not know), `stop`.
import type { Client } from "../core/api.js";
import { LifelineError } from "../core/errors.js";
import { EXTEND } from "../core/extension.js";
import type { Extension, Line } from "../core/extension.js";
import type { StandardSchemaV1 } from "../core/types.js";
import { createHandle } from "./subscription.js";
import type { Handle } from "./subscription.js";

interface Topic {
  readonly handles: Set<Handle>;
  /** The position: the last publication delivered (or where `subscribed`/`gap` put it); no epoch before the first answer. */
  epoch?: string;
  offset?: number;
  /** The `subscribed` of the latest `sub` arrived: publications before it belong to an older subscription. */
  answered?: boolean;
}

/** The envelopes of topics, as the server sends them. */
type Frame = { t?: unknown; topic: string; epoch: string; offset: number; recovered?: unknown; reason?: unknown; code?: unknown; data?: unknown };

/** Makes a handle of a topic of this client. */
export type Topics = (topic: string, schema: StandardSchemaV1 | undefined) => Handle;

const byClient = new WeakMap<object, Topics | undefined>();

/** The topics of `client`, plugged in at its first subscribe; undefined without acknowledged delivery (topics ride on it). */
export function topicsOf(client: Client<any, any>): Topics | undefined {
  let line!: Line;
  const topics = new Map<string, Topic>();
  const sub = (topic: string, t: Topic) => {
    t.answered = false;
    // no position before the first answer: JSON leaves out the undefined members
    line.write(JSON.stringify({ t: "sub", topic, epoch: t.epoch, offset: t.offset }));
  };
  const leave = (handle: Handle) => {
    const t = topics.get(handle.topic);
    if (!t?.handles.delete(handle) || t.handles.size) return;
    // a moment later: a handle made right after (React StrictMode's second mount) keeps the wire subscription
    queueMicrotask(() => {
      if (t.handles.size || topics.get(handle.topic) !== t) return;
      topics.delete(handle.topic);
      if (line.isOpen) line.write(JSON.stringify({ t: "unsub", topic: handle.topic }));
    });
  };
  const receive = (f: Frame): boolean => {
    const t = topics.get(f?.topic);
    // a frame of a topic left meanwhile is ours too
    if (!t) return !!f?.topic;
    const tell = (type: "subscribed" | "gap" | "error", event: unknown) => {
      for (const handle of t.handles) handle.tell(type, event);
    };
    switch (f.t) {
      case "subscribed":
      case "gap":
        t.answered ||= f.t === "subscribed";
        t.epoch = f.epoch;
        t.offset = f.offset;
        tell(f.t, f.t === "gap" ? { reason: f.reason } : { recovered: !!f.recovered });
        return true;
      case "pub":
        // a later offset of the same epoch, or the first epoch after the empty position
        if (t.answered && (f.epoch === t.epoch ? f.offset > t.offset! : t.epoch === "" && !t.offset)) {
          t.epoch = f.epoch;
          t.offset = f.offset;
          for (const handle of t.handles) handle.deliver(f.data, f.offset);
        }
        return true;
      case "refused": {
        // the subscription is over (subscribe again to retry, after an UNAVAILABLE for example)
        const error = new LifelineError(f.code === "FORBIDDEN" ? "FORBIDDEN" : "SUBSCRIBE_FAILED", `${f.topic} ${f.code}`);
        topics.delete(f.topic);
        tell("error", error);
        for (const handle of t.handles) handle.end(error);
        return true;
      }
    }
    return false;
  };
  if (byClient.has(client)) return byClient.get(client);
  (client as unknown as { [EXTEND](feature: (line: Line) => Extension): Extension })[EXTEND]((lent) => {
    line = lent;
    return {
      // after the hello (acknowledged delivery opens first): every topic again, from its position
      open: () => topics.forEach((t, topic) => sub(topic, t)),
      claim: (value) => receive(value as Frame),
      stop: () => topics.forEach((t) => t.handles.forEach((handle) => handle.end(undefined, false))),
    };
  });
  const add: Topics = (topic, schema) => {
    const handle = createHandle(topic, line, schema, leave);
    let t = topics.get(topic);
    if (!t) {
      topics.set(topic, (t = { handles: new Set() }));
      if (line.isOpen) sub(topic, t);
    }
    t.handles.add(handle);
    return handle;
  };
  // topics ride on acknowledged delivery (across tabs too: the leader tab holds one subscription per topic, share/topics.ts)
  const made = line.options.delivery ? add : undefined;
  byClient.set(client, made);
  return made;
}
