// The few web globals the client's source uses, declared structurally so
// the build needs neither the DOM lib nor @types/node (every target runtime
// has them). Only tsconfig.build.json includes this file; the tests use
// @types/node's declarations instead.
declare class URL {
  constructor(url: string, base?: string);
  href: string;
  protocol: string;
  username: string;
  password: string;
  search: string;
  origin: string;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBuffer | ArrayBufferView): string;
}
interface Blob {
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}
declare var Blob: { prototype: Blob; new (parts?: ReadonlyArray<ArrayBuffer | ArrayBufferView | string>, options?: { type?: string }): Blob };
interface Event {
  readonly type: string;
}
declare var Event: { prototype: Event; new (type: string): Event };
interface EventListenerObject {
  handleEvent(event: Event): void;
}
declare class EventTarget {
  addEventListener(type: string, listener: ((event: Event) => void) | EventListenerObject | null, options?: unknown): void;
  removeEventListener(type: string, listener: ((event: Event) => void) | EventListenerObject | null, options?: unknown): void;
  dispatchEvent(event: Event): boolean;
}
declare var console: { log(...data: unknown[]): void; warn(...data: unknown[]): void; error(...data: unknown[]): void; debug(...data: unknown[]): void };
interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare class AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
declare function queueMicrotask(callback: () => void): void;
declare var process: { env: { NODE_ENV?: string } };
declare var crypto: { getRandomValues<T extends Uint8Array>(array: T): T };
declare function btoa(data: string): string;
