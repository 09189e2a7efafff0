// The HTTP(S) listener: one port for upgrades, the control endpoint and
// static files; listening, closing, and the addresses clients dial.
import type { Duplex } from "node:stream";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { ResolvedOptions, StaticMount } from "./options.js";
import { serveStatic } from "./static.js";

export interface ListenerRoutes {
  /** `/control` and `/control/*`. */
  control(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void;
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
}

function urlHost(host: string): string {
  // A wildcard address is not something a client can dial; loopback is.
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

export class Listener {
  readonly #options: ResolvedOptions;
  readonly #mounts: StaticMount[];
  readonly #http: http.Server;
  readonly #routes: ListenerRoutes;
  port = 0;

  constructor(options: ResolvedOptions, mounts: StaticMount[], routes: ListenerRoutes) {
    this.#options = options;
    this.#mounts = mounts;
    this.#routes = routes;
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => this.#onRequest(req, res);
    this.#http = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : http.createServer(onRequest);
    this.#http.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => routes.upgrade(req, socket, head));
  }

  get url(): string {
    return `${this.#options.tls ? "wss" : "ws"}://${urlHost(this.#options.host)}:${this.port}/ws`;
  }

  get httpUrl(): string {
    return `${this.#options.tls ? "https" : "http"}://${urlHost(this.#options.host)}:${this.port}`;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        reject(new Error(`cannot listen on ${this.#options.host}:${port}: ${error.message}`, { cause: error }));
      };
      this.#http.once("error", onError);
      this.#http.listen(port, this.#options.host, () => {
        this.#http.off("error", onError);
        this.port = (this.#http.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    if (!this.#http.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.#http.close(() => resolve());
      // Keep-alive HTTP connections would otherwise hold close() open.
      this.#http.closeAllConnections();
    });
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const pathname = q === -1 ? raw : raw.slice(0, q);
    const search = q === -1 ? "" : raw.slice(q);
    if (pathname === "/control" || pathname.startsWith("/control/")) {
      this.#routes.control(req, res, pathname);
      return;
    }
    serveStatic(this.#mounts, req, res, pathname, search)
      .then((served) => {
        if (served) return;
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("404 Not Found\n");
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  }
}
