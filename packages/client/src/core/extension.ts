// The one internal contract between the core and the opt-in features
// (at-least-once, request, share, and topics on top of at-least-once).
// A feature is a function the client calls once with a `Line` (the client
// itself, whose members lend: its options, an emitter, write/flush/send/reconnect, schema
// checking) and that returns an `Extension`: hooks the core calls when
// the client starts, a socket opens (handshakes, resends, resubscriptions
// go out here, before the queue is flushed), a frame comes in (consume it
// or pass it on with `next`), a message goes out, the line is lost, and
// the client stops. Features plug in at createClient (`delivery`, `share`)
// or later through `client[EXTEND](feature)` (`request()`, `subscribe()`).
//
// Frames of a feature's own kind on the at-least-once connection (topics):
// send them with `line.write()`; acknowledged delivery hands each envelope
// whose `t` it does not know to `line.claim()`, which offers it to every
// feature's `claim` hook; one that returns true consumed it, otherwise it
// is reported as `invalid`. A feature never touches the core's fields or
// another feature's; the core knows nothing of any feature. The types are
// in types.ts.
export type { Entry, Extension, Feature, Line, Meta, Next } from "./types.js";

/** How a feature entry point reaches a client it was not given at `createClient` (`request()`): `client[EXTEND](feature)`. */
export const EXTEND: unique symbol = Symbol.for("lifeline.extend") as never;
