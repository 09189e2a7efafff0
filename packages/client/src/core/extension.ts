// The one internal contract between the core and the opt-in features
// (at-least-once, request, share, and topics on top of at-least-once), and
// the code that plugs them in. Only an app that uses a feature bundles this
// file: the core knows no feature, only six seams with what a client
// without any does (`hook`, `socket`, `outgoing`, `transmit`, `pass`,
// `held`, in attempts.ts and client.ts). The first feature that plugs into
// a client replaces them on that client with ones that walk its features.
//
// A feature is made by `feature(make)`: `make` is called once per client
// with a `Line` (what the core lends: its options, an emitter,
// write/flush/send/reconnect, schema checking) and returns an `Extension`:
// hooks called when the client starts, a socket opens (handshakes,
// resends, resubscriptions go out here, before the queue is flushed), a
// frame comes in (consume it or pass it on with `next`), a message goes
// out, the line is lost, and the client stops. Features plug in at
// createClient (`delivery`, `share`: the client calls them) or later
// through `plug(client, make)` (`request()`, `subscribe()`).
//
// Frames of a feature's own kind on the at-least-once connection (topics):
// send them with `line.write()`; acknowledged delivery hands each envelope
// whose `t` it does not know to `line.claim()`, which offers it to every
// feature's `claim` hook; one that returns true consumed it, otherwise it
// is reported as `invalid`. A feature never touches the core's fields or
// another feature's. The types are in types.ts. The client's features are
// kept under a registry symbol, so a feature from another copy of the
// package (two versions in one bundle) plugs into the same list.
import { check } from "./incoming.js";
import type { Entry, Extension, Feature, Frame, Line, Meta, Next, ResolvedOptions, WebSocketLike } from "./types.js";

export type { Entry, Extension, Feature, Line, Meta, Next } from "./types.js";

const FEATURES = Symbol.for("lifeline.features");

/** The client as this file sees it: its seams and what a line lends (all on the client; the core's own code never calls them by these types). */
interface Pluggable {
  readonly o: ResolvedOptions;
  readonly queued: number;
  [FEATURES]?: Extension[];
  emit(type: string, payload: unknown): void;
  on(type: string, handler: (event: any) => void): () => void;
  off(type: string, handler: (event: any) => void): void;
  run<T>(change: () => T): T;
  isOpen(): boolean;
  write(frame: Frame): boolean;
  flush(): void;
  send(message: unknown, meta?: Meta): "sent" | "queued" | "dropped";
  reconnect(): void;
  hook(name: string): void;
  socket(href: string): WebSocketLike;
  outgoing(value: unknown, meta: Meta | undefined): unknown;
  transmit(entry: Entry): boolean;
  pass(data: unknown, value: unknown): void | Promise<void>;
  held(): unknown[];
}

/** A feature for `createClient`'s `delivery` or `share` option: `make` plugs into each client given it. */
export const feature =
  (make: (line: Line) => Extension): Feature =>
  (client) =>
    plug(client, make);

/** Plugs a feature into a client (made by any copy of this package); returns what `make` made. */
export function plug(target: object, make: (line: Line) => Extension): Extension {
  const client = target as Pluggable;
  if (!client[FEATURES]) install(client);
  const x = make(lend(client));
  // a new list rather than a push: a walk under way (a hook that plugs another feature in) keeps the old one
  client[FEATURES] = [...client[FEATURES]!, x];
  return x;
}

/** Replaces the client's seams with ones that walk its features (in the order they plugged in), then do what the core does. */
function install(client: Pluggable): void {
  const core = Object.getPrototypeOf(client) as Pluggable;
  const features = () => client[FEATURES]!;
  /** `next` of each feature's `receive`: made once per feature, so nothing is allocated per message. */
  const nexts: Next[] = [];
  /** Hands a value to the features from `index` on (each may consume it), then to the core's validation and `message`. */
  const pass = (index: number, data: unknown, value: unknown, re?: unknown): void | Promise<void> => {
    const x = features()[index];
    if (!x) return core.pass.call(client, data, value);
    if (!x.receive) return pass(index + 1, data, value, re);
    nexts[index] ??= (value, re, data) => pass(index + 1, data, value, re);
    return x.receive(data, value, nexts[index]!, re);
  };
  client[FEATURES] = [];
  Object.assign(client, {
    hook: (name: "start" | "closing" | "open" | "lost" | "stop") => {
      for (const x of features()) x[name]?.();
    },
    socket: (href: string) => {
      let supplied: WebSocketLike | undefined;
      for (const x of features()) supplied ??= x.socket?.(href, client.o.protocols);
      return supplied ?? core.socket.call(client, href);
    },
    outgoing: (value: unknown, meta: Meta | undefined) => {
      for (const x of features()) if (x.outgoing) value = x.outgoing(value, meta);
      return value;
    },
    transmit: (entry: Entry) => {
      for (const x of features()) if (x.transmit) return x.transmit(entry);
      return core.transmit.call(client, entry);
    },
    pass: (data: unknown, value: unknown) => pass(0, data, value),
    held: () => features().flatMap((x) => x.pending?.() ?? []),
  });
}

/** What the core lends a feature. */
function lend(client: Pluggable): Line {
  return {
    options: client.o,
    events: client,
    get isOpen() {
      return client.isOpen();
    },
    get framed() {
      return client[FEATURES]!.some((x) => x.framed);
    },
    get queued() {
      return client.queued;
    },
    write: (frame) => client.write(frame),
    flush: () => client.run(() => client.flush()),
    check: (data, value, schema, done, fail) => check(client, data, value, schema, done, fail),
    send: (message, meta) => client.send(message, meta),
    reconnect: () => client.reconnect(),
    claim: (value) => client[FEATURES]!.some((x) => x.claim?.(value)),
  };
}
