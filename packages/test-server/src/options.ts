import * as path from "node:path";
import type { LifelineServerOptions } from "@lifeline/server";

/** How the server answers a user frame: back to its sender, or to everyone. */
export type ServerMode = "echo" | "broadcast";

/** Data the server can send: strings go out as text frames, bytes as binary frames. */
export type OutgoingData = string | Buffer | Uint8Array;

/** Certificate and key (PEM) for a `wss://` server. */
export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
}

/**
 * The server's own heartbeat: `false` or `0` is off, a number is the interval in
 * ms (timeout = interval), or give both explicitly.
 */
export type HeartbeatOption = false | number | { interval: number; timeout?: number };

/** What `onMessage` sees for each user frame (heartbeat frames never reach it). */
export interface MessageContext {
  /** Connection id, 1, 2, 3… in order of acceptance. */
  client: number;
  /** A string for a text frame, a Buffer for a binary frame. */
  data: string | Buffer;
  binary: boolean;
  /** Send to this client only (goes through `delay()` and `freeze()` like every frame). */
  reply(data: OutgoingData): void;
}

export interface ServerOptions {
  /**
   * TCP port; 0 picks a free one (what tests should use).
   * @default 0
   */
  port?: number;
  /**
   * Interface to listen on.
   * @default "127.0.0.1"
   */
  host?: string;
  /**
   * Serve `https://` and `wss://` with this certificate.
   * @default undefined (plain http/ws)
   */
  tls?: TlsOptions;
  /**
   * `"echo"` replies to the sender with exactly what came; `"broadcast"` sends each
   * frame to every open client, the sender included (a chat room).
   * @default "echo"
   */
  mode?: ServerMode;
  /**
   * The server sends the text frame `"ping"` every `interval` ms and terminates a
   * client that sends nothing within `timeout` ms (default: the interval) after it.
   * @default false
   */
  heartbeat?: HeartbeatOption;
  /**
   * URL prefix → directory, served over HTTP GET on the same port.
   * @default {}
   * @example { "/": "docs/playground", "/lib/": "packages/client/dist" }
   */
  static?: Record<string, string>;
  /**
   * Called for every user frame after it is recorded. Return `true` to skip the
   * default echo/broadcast (you answered with `reply()` or chose not to).
   * @default undefined
   */
  onMessage?: (ctx: MessageContext) => boolean | void;
  /**
   * `"at-least-once"` speaks lifeline's acknowledged-delivery envelopes
   * (docs/protocol.md): acks, per-session de-duplication, and a record of what
   * the application received in `server.delivery`. Envelope frames are then
   * answered by the protocol (echo: `{t:"msg",data}` to the sender, or to all
   * in broadcast mode; a request gets `{t:"msg",re,data}`) and skip `onMessage`.
   * @default "at-most-once"
   */
  delivery?: "at-most-once" | "at-least-once";
  /**
   * With `delivery: "at-least-once"`: topics (`server.delivery.server.publish()`),
   * passed to `@lifeline/server` as they are (its `topics` and `canSubscribe` options).
   * @default @lifeline/server's defaults
   */
  topics?: Pick<LifelineServerOptions, "topics" | "canSubscribe">;
}

export const DEFAULTS = {
  port: 0,
  host: "127.0.0.1",
  mode: "echo",
  heartbeat: false,
  static: {},
} as const satisfies ServerOptions;

export interface StaticMount {
  /** Normalised prefix without a trailing slash ("" for the root). */
  prefix: string;
  /** Absolute directory. */
  dir: string;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  tls: TlsOptions | undefined;
  mode: ServerMode;
  heartbeat: { interval: number; timeout: number } | undefined;
  /** Longest prefix first, so `/lib/` wins over `/`. */
  static: StaticMount[];
  onMessage: ((ctx: MessageContext) => boolean | void) | undefined;
  delivery: "at-most-once" | "at-least-once";
  topics: Pick<LifelineServerOptions, "topics" | "canSubscribe">;
}

const MODES: readonly ServerMode[] = ["echo", "broadcast"];

export function isMode(value: unknown): value is ServerMode {
  return typeof value === "string" && (MODES as readonly string[]).includes(value);
}

function show(value: unknown): string {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  } catch {
    return String(value);
  }
}

function positive(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number of ms, got ${show(value)}`);
  }
  return value;
}

/** Merge with DEFAULTS once and validate eagerly, naming the bad option. */
export function resolveOptions(options: ServerOptions = {}): ResolvedOptions {
  const port = options.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`port must be an integer from 0 to 65535, got ${show(port)}`);
  }
  const host = options.host ?? DEFAULTS.host;
  if (typeof host !== "string" || host === "") {
    throw new TypeError(`host must be a non-empty string, got ${show(host)}`);
  }
  const mode = options.mode ?? DEFAULTS.mode;
  if (!isMode(mode)) {
    throw new TypeError(`mode must be "echo" or "broadcast", got ${show(mode)}`);
  }
  if (options.tls !== undefined) {
    const { cert, key } = options.tls;
    const pem = (v: unknown) => typeof v === "string" || Buffer.isBuffer(v);
    if (!pem(cert) || !pem(key)) {
      throw new TypeError("tls must be { cert, key } with PEM strings or Buffers");
    }
  }
  if (options.onMessage !== undefined && typeof options.onMessage !== "function") {
    throw new TypeError(`onMessage must be a function, got ${show(options.onMessage)}`);
  }
  return {
    port,
    host,
    tls: options.tls,
    mode,
    heartbeat: resolveHeartbeat(options.heartbeat ?? DEFAULTS.heartbeat),
    static: resolveStatic(options.static ?? DEFAULTS.static),
    onMessage: options.onMessage,
    delivery: oneOfDelivery(options.delivery ?? "at-most-once"),
    // checked by @lifeline/server when the delivery end is made
    topics: options.topics ?? {},
  };
}

function resolveHeartbeat(value: HeartbeatOption): ResolvedOptions["heartbeat"] {
  if (value === false || value === 0) return undefined;
  if (typeof value === "number") {
    const interval = positive("heartbeat", value);
    return { interval, timeout: interval };
  }
  if (typeof value === "object" && value !== null) {
    const interval = positive("heartbeat.interval", value.interval);
    const timeout = value.timeout === undefined ? interval : positive("heartbeat.timeout", value.timeout);
    return { interval, timeout };
  }
  throw new TypeError(`heartbeat must be false, a number of ms or { interval, timeout? }, got ${show(value)}`);
}

function resolveStatic(value: Record<string, string>): StaticMount[] {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`static must be an object of URL prefix → directory, got ${show(value)}`);
  }
  const mounts: StaticMount[] = [];
  for (const [prefix, dir] of Object.entries(value)) {
    if (!prefix.startsWith("/")) {
      throw new TypeError(`static prefix must start with "/", got ${show(prefix)}`);
    }
    if (typeof dir !== "string" || dir === "") {
      throw new TypeError(`static[${show(prefix)}] must be a directory path, got ${show(dir)}`);
    }
    mounts.push({ prefix: prefix.replace(/\/+$/, ""), dir: path.resolve(dir) });
  }
  return mounts.sort((a, b) => b.prefix.length - a.prefix.length);
}

function oneOfDelivery(value: unknown): "at-most-once" | "at-least-once" {
  if (value !== "at-most-once" && value !== "at-least-once") {
    throw new TypeError(`delivery must be "at-most-once" or "at-least-once", got ${show(value)}`);
  }
  return value;
}
