// The events LifelineWebSocket dispatches, shaped like the platform's: the
// runtime's own MessageEvent/CloseEvent when it has them, otherwise an Event
// carrying the same read-only fields (Node 22 has no global CloseEvent).

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

/** `error`: one per failed attempt, just before its `close`; `error` is the cause when lifeline knows it. */
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

type Ctor<T> = new (type: string, init: object) => T;

function withFields<T extends Event>(event: Event, fields: object): T {
  for (const [key, value] of Object.entries(fields)) Object.defineProperty(event, key, { value, enumerable: true });
  return event as T;
}

function native<T>(name: string): Ctor<T> | undefined {
  const found = (globalThis as Record<string, unknown>)[name];
  return typeof found === "function" ? (found as Ctor<T>) : undefined;
}

export function messageEvent(data: unknown, origin: string): LifelineMessageEvent {
  const MessageEventCtor = native<LifelineMessageEvent>("MessageEvent");
  return MessageEventCtor ? new MessageEventCtor("message", { data, origin }) : withFields(new Event("message"), { data, origin });
}

export function closeEvent(code: number, reason: string, wasClean: boolean): LifelineCloseEvent {
  const CloseEventCtor = native<LifelineCloseEvent>("CloseEvent");
  return CloseEventCtor ? new CloseEventCtor("close", { code, reason, wasClean }) : withFields(new Event("close"), { code, reason, wasClean });
}

export function errorEvent(message: string, error: unknown): LifelineErrorEvent {
  // not the runtime's ErrorEvent: browsers report a failed WebSocket with a plain Event; partysocket adds these two fields
  return withFields(new Event("error"), { message, error });
}
