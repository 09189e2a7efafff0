// The events LifelineWebSocket dispatches, shaped like the platform's: a
// MessageEvent for messages, Events carrying the same fields for the rest.

// the runtime's own (every supported runtime has it; the SDK's own lib declarations do not)
declare const MessageEvent: new (type: "message", init: { data: unknown; origin: string }) => Event;

/** `message`: `data` is a string, or a `Blob`/`ArrayBuffer` per `binaryType`. */
export interface LifelineMessageEvent extends Event {
  readonly data: any;
  readonly origin: string;
}

/** `close`: one per ended connection, failed attempts included. */
export interface LifelineCloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** `error`: one per failed attempt, just before its `close`; `message` is `"TIMEOUT"` for a connect timeout; `error` is the cause when lifeline knows it. */
export interface LifelineErrorEvent extends Event {
  readonly message: string;
  readonly error: unknown;
}

/** The events of a {@link LifelineWebSocket} by type. */
export interface LifelineWebSocketEventMap {
  open: Event;
  message: LifelineMessageEvent;
  close: LifelineCloseEvent;
  error: LifelineErrorEvent;
}

/**
 * A `close` or `error` event with `fields`: a plain Event carrying them, as both peers dispatch (Node 22 has no
 * CloseEvent; browsers report a failed WebSocket with a plain Event, to which partysocket adds `message` and `error`).
 */
export function eventOf(type: "close" | "error", fields: object): Event {
  return Object.assign(new Event(type), fields);
}

/** A message as the platform delivers it: binary frames (the client reads them as ArrayBuffer) as a Blob when `binaryType` is "blob", the platform's default. */
export function messageEvent(data: unknown, binaryType: string, origin: string): Event {
  return new MessageEvent("message", { data: typeof data !== "string" && binaryType === "blob" ? new Blob([data as ArrayBuffer]) : data, origin });
}
