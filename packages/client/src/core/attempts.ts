// The base of the client: its options, and the one socket with how an
// attempt gets it (the url, kept private and resolved per attempt, then
// dialling, listening and letting go). What the socket's events mean for
// the phase is connection.ts's to decide (the abstract hooks below). The
// client is its own emitter (events.ts).
import { LifelineError, describe } from "./errors.js";
import { Events } from "./events.js";
import { resolveOptions } from "./options.js";
import { releaseSocket } from "./socket.js";
import type { SocketEvent } from "./socket.js";
import type { ClientOptions, Extension, Frame, ResolvedOptions, UrlSource, WebSocketLike } from "./types.js";
import { checkUrl, redact } from "./url.js";

/** Shared by every client without features, so such a client allocates no list of its own. */
const NONE: Extension[] = [];

export abstract class Attempts extends Events {
  protected readonly o: ResolvedOptions;
  protected features = NONE;
  /** The url (and the token in it) is kept private, out of `o`: nothing that prints the client shows it. */
  readonly #url: UrlSource;
  /** The one socket open or opening; never more than one. */
  #socket: WebSocketLike | undefined;
  /** What this attempt dialled, for its error message (redacted there); forgotten once open. */
  #href: string | undefined;
  /** Bumped whenever a socket is let go, so a url that resolves late for an abandoned attempt is ignored. */
  #token = 0;

  constructor(options: ClientOptions<any, any>) {
    super();
    const o = (this.o = resolveOptions(options));
    this.#url = options.url;
    if ((typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" && o.debug) this.log = o.debug === true ? (line) => console.debug(line) : o.debug;
  }

  /**
   * Calls hook `name` of every feature in turn, until one gives a result
   * (not undefined), which is returned: the socket a feature supplies, or
   * whether the feature that transmits wrote the entry.
   */
  protected hook<K extends keyof Extension>(name: K, a?: unknown, b?: unknown): any {
    for (const x of this.features) {
      const result = (x[name] as ((a: unknown, b: unknown) => unknown) | undefined)?.(a, b);
      if (result !== undefined) return result;
    }
  }

  /** The socket opened. */
  protected abstract onOpen(): void;
  /** The socket (or the attempt) is finished: `code` and `reason` as a close gives them. */
  protected abstract onLost(code: number, reason: string, wasClean?: boolean): void;
  /** A frame came in. */
  protected abstract onFrame(data: unknown): void;
  /** An event of something else than the current socket (a browser hint, or a socket let go). */
  protected abstract onOther(type: string): void;
  /** The client's one timer fired (connection.ts arms it with {@link listener}). */
  protected abstract onTimer(): void;

  /** Resolves the url (a function is called now; a promise is waited for) and opens the attempt's socket. */
  protected dial(): void {
    this.#href = undefined;
    const token = this.#token;
    const url = this.#url;
    let target: string | URL | Promise<string | URL>;
    try {
      target = typeof url === "function" ? url() : url;
    } catch (cause) {
      return this.#urlFailed(cause);
    }
    if (typeof (target as Promise<unknown> | null)?.then !== "function") return this.#open(target as string | URL);
    (target as Promise<string | URL>).then(
      (resolved) => token === this.#token && this.run(() => this.#open(resolved)),
      (cause: unknown) => token === this.#token && this.run(() => this.#urlFailed(cause)),
    );
  }

  #open(url: string | URL): void {
    try {
      const href = (this.#href = checkUrl(url, "URL_ERROR"));
      const { WebSocket, protocols } = this.o;
      // a feature may supply the socket (a relay to another tab)
      const ws = (this.#socket = this.hook("socket", href, protocols) ?? new WebSocket(href, protocols));
      ws.binaryType = "arraybuffer";
      for (const type of ["open", "close", "error", "message"]) ws.addEventListener(type, this.listener);
    } catch (cause) {
      this.#urlFailed(cause);
    }
  }

  /**
   * The url function threw, rejected or gave a bad URL, or no socket could be
   * made for the URL (`#href` set): a constructor's message may quote the URL
   * or pieces of it (browsers do), so it is passed on masked, and kept as the
   * cause only when it quotes no secret.
   */
  #urlFailed(cause: unknown): void {
    const href = this.#href;
    const said = describe(cause);
    const masked = href ? redact(href, said) : said;
    this.emit(
      "error",
      cause instanceof LifelineError
        ? cause
        : new LifelineError("URL_ERROR", (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? (href ? `cannot open a WebSocket to ${redact(href)}: ${masked}` : `the url function failed: ${masked}`) : masked, masked === said ? { cause } : undefined),
    );
    this.onLost(1006, "url error");
  }

  /** Where the attempt went, without credentials or query (for messages). */
  protected where(): string {
    return this.#href ? redact(this.#href) : "the url";
  }

  /**
   * The one callback of a client: the listener of every socket it opens (an
   * object's `handleEvent` costs more per event in Node) and, called with no
   * event, its timer's. One closure per client rather than two.
   */
  protected readonly listener = (event?: SocketEvent): void => {
    if (!event) return this.onTimer();
    const ws = this.#socket!;
    // late events of a socket already let go, and the browser's hints (browser.ts)
    if (event.target !== undefined && event.target !== ws) return this.onOther(event.type);
    if (event.type === "message") return this.onFrame(event.data);
    this.run(() => {
      // a close code outside 1000–4999 (Deno says 0 for a refused handshake) is reported as 1006;
      // Node 22 fires only `error` for a refused attempt, and browsers fire `error` just before an abnormal `close`: either way the socket is finished
      if (event.type !== "open") return this.onLost(event.type === "close" ? (event.code! >= 1000 && event.code! <= 4999 ? event.code! : 1006) : 1006, String(event.reason ?? ""), !!event.wasClean);
      // open, its `open` and `error` listeners are no longer needed (each costs ~200 B in Node's EventTarget): every
      // runtime follows an `error` with a `close` once open, and a line gone silent is the heartbeat's to find
      ws.removeEventListener("open", this.listener);
      ws.removeEventListener("error", this.listener);
      this.#href = undefined;
      this.onOpen();
    });
  };

  /**
   * Stops listening to the current socket and closes it, never waiting for
   * its `close` (a half-open peer may never send one). True when there was one.
   */
  protected release(code = 1000, reason = ""): boolean {
    this.#token++;
    const ws = this.#socket;
    if (!ws) return false;
    // forgotten first: a socket that dispatches `close` from inside close() (no standard one does) is already stale
    this.#socket = undefined;
    releaseSocket(ws, this.listener, code, reason);
    this.hook("lost");
    return true;
  }

  /** Writes a frame to the open socket; false (and the line given up) if the socket refuses it. @internal */
  write(frame: Frame): boolean {
    const ws = this.#socket!;
    // the server's close frame is in but its `close` event is not: the frame stays queued for the next line
    // (and a browser would log an error for the write), while the event still brings the server's code
    if (ws.readyState > 1) return false;
    try {
      ws.send(frame);
      return true;
    } catch {
      this.run(() => this.onLost(1006, "send failed"));
      return false;
    }
  }
}
