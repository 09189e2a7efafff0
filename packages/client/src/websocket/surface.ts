// The part of the platform's WebSocket that holds nothing of the line: the
// four readyState constants (on the class and on instances), the `on…`
// handler properties, each called before the listeners of its type (as both
// peers do), and listeners typed per event type.
import type { LifelineWebSocketEventMap } from "./events.js";

/** `This`: the socket itself (a `LifelineWebSocket`), as handlers and listeners see it. */
type Handler<This, E = Event> = ((this: This, event: E) => unknown) | null;
type Listener<This, E> = ((this: This, event: E) => unknown) | { handleEvent(event: E): unknown } | null;
type ListenerOptions = boolean | { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal };

/** The base of {@link LifelineWebSocket}: an `EventTarget` with the platform WebSocket's constants and `on…` handlers. */
export class WebSocketSurface extends EventTarget {
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;

  static {
    const proto = this.prototype;
    // the four constants on the class (and, inherited, on LifelineWebSocket) and on instances, as the platform has them
    ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach((name, value) => ((this as any)[name] = (proto as any)[name] = value));
  }

  // the constructor sets them to null (no class-field initialisers: they would cost bytes in every bundle)
  /** Called with each `open` event, before the listeners (as both peers do). */
  declare onopen: Handler<this>;
  /** Called with each `message` event, before the listeners. */
  declare onmessage: Handler<this, LifelineWebSocketEventMap["message"]>;
  /** Called with each `close` event, before the listeners. */
  declare onclose: Handler<this, LifelineWebSocketEventMap["close"]>;
  /** Called with each `error` event, before the listeners. */
  declare onerror: Handler<this, LifelineWebSocketEventMap["error"]>;

  constructor() {
    super();
    // the on* handlers: one listener per type, added first, calling whichever handler is set
    for (const type of ["open", "close", "error", "message"] as const) {
      this[`on${type}`] = null;
      this.addEventListener(type, (event) => (this[`on${type}`] as Handler<this>)?.call(this, event));
    }
  }
}

// What the static block defines, and typed listeners per event type, like the platform's WebSocket (declaration merging: no code).
export interface WebSocketSurface {
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  addEventListener<K extends keyof LifelineWebSocketEventMap>(type: K, listener: Listener<this, LifelineWebSocketEventMap[K]>, options?: ListenerOptions): void;
  addEventListener(type: string, listener: Listener<this, Event>, options?: ListenerOptions): void;
  removeEventListener<K extends keyof LifelineWebSocketEventMap>(type: K, listener: Listener<this, LifelineWebSocketEventMap[K]>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: string, listener: Listener<this, Event>, options?: boolean | { capture?: boolean }): void;
}
