// The few Deno, Bun and Cloudflare Workers APIs the guides use, declared by
// hand so their samples type-check without each runtime's type package.
// Only the members the samples touch; shapes follow each runtime's docs.

declare namespace Deno {
  interface ServeOptions {
    port?: number;
    hostname?: string;
    cert?: string;
    key?: string;
    onListen?(address: { hostname: string; port: number }): void;
  }
  interface HttpServer {
    readonly finished: Promise<void>;
    shutdown(): Promise<void>;
  }
  function serve(options: ServeOptions, handler: (request: Request) => Response | Promise<Response>): HttpServer;
  function upgradeWebSocket(request: Request): { socket: WebSocket; response: Response };
  function readTextFile(path: string): Promise<string>;
  const env: { get(key: string): string | undefined };
}

declare namespace Bun {
  interface ServerWebSocket<T = undefined> {
    readonly data: T;
    readonly readyState: number;
    send(data: string | ArrayBufferView | ArrayBuffer): number;
    close(code?: number, reason?: string): void;
  }
  interface Server {
    readonly port: number;
    upgrade<T = undefined>(request: Request, options?: { data?: T; headers?: HeadersInit }): boolean;
    stop(closeActiveConnections?: boolean): void;
  }
  interface WebSocketHandler<T = undefined> {
    open?(ws: ServerWebSocket<T>): void;
    message(ws: ServerWebSocket<T>, message: string | Buffer): void;
    close?(ws: ServerWebSocket<T>, code: number, reason: string): void;
    /** Bun answers protocol-level pings itself; this is about text frames. */
    sendPings?: boolean;
    idleTimeout?: number;
  }
  interface ServeOptions<T = undefined> {
    port?: number;
    hostname?: string;
    fetch(request: Request, server: Server): Response | undefined | Promise<Response | undefined>;
    websocket?: WebSocketHandler<T>;
  }
}

declare const Bun: {
  serve<T = undefined>(options: Bun.ServeOptions<T>): Bun.Server;
  readonly env: Record<string, string | undefined>;
};

/** Cloudflare Workers: a request/response pair the runtime answers without waking the object. */
declare class WebSocketRequestResponsePair {
  constructor(request: string, response: string);
  readonly request: string;
  readonly response: string;
}

/** Cloudflare Workers: both ends of a WebSocket, `0` for the client and `1` for the server. */
declare class WebSocketPair {
  0: WebSocket;
  1: WebSocket;
}

interface DurableObjectState {
  acceptWebSocket(ws: WebSocket, tags?: string[]): void;
  getWebSockets(tag?: string): WebSocket[];
  setWebSocketAutoResponse(pair?: WebSocketRequestResponsePair): void;
  getWebSocketAutoResponseTimestamp(ws: WebSocket): Date | null;
}

interface ResponseInit {
  /** Cloudflare Workers: the client end of a WebSocketPair, with status 101. */
  webSocket?: WebSocket | null;
}

declare module "cloudflare:workers" {
  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectState;
    protected env: Env;
    constructor(ctx: DurableObjectState, env: Env);
    fetch?(request: Request): Response | Promise<Response>;
    webSocketMessage?(ws: WebSocket, message: string | ArrayBuffer): void | Promise<void>;
    webSocketClose?(ws: WebSocket, code: number, reason: string, wasClean: boolean): void | Promise<void>;
  }
}
