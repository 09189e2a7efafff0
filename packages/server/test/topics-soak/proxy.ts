// A TCP proxy on loopback in front of a node, for line faults the node does
// not cause itself: `drop()` destroys every connection (no close frame, as a
// network failure), `freeze()` stops forwarding both ways while keeping the
// TCP connections (a half-open line, which only the heartbeat notices) until
// `thaw()`. New connections are refused while frozen.
import { createConnection, createServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";

export class LineProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #frozen = false;
  port = 0;

  constructor(target: () => number) {
    this.#server = createServer((client) => {
      if (this.#frozen) return void client.destroy();
      const upstream = createConnection({ host: "127.0.0.1", port: target() });
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      const end = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      for (const socket of pair) {
        socket.on("error", end);
        socket.on("close", end);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  drop(): void {
    for (const [client, upstream] of [...this.#pairs]) {
      client.destroy();
      upstream.destroy();
    }
  }

  freeze(): void {
    this.#frozen = true;
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** Ends a freeze: the frozen connections are dropped (their clients gave up on them), new ones pass. */
  thaw(): void {
    this.#frozen = false;
    this.drop();
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
