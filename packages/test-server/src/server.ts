// startServer(): composes the concerns, each in its own file —
//   connections.ts  accepting sockets, reading frames, the record
//   responder.ts    echo / broadcast / acknowledged delivery / onMessage hook
//   outbox.ts       frames out, through delay and freeze
//   heartbeat.ts    server pings and dead-client deadlines
//   faults.ts       dropAll, terminateAll, freeze/thaw, delay, restart
//   upgrades.ts     accepted, refused (rejectNext) and held upgrades
//   listener.ts     the HTTP(S) port, control and static routing
//   control.ts      the HTTP control endpoint
//   waiters.ts      waitForClients/Connections/Messages
// and exposes them as one TestServer.
import { EventEmitter } from "node:events";
import type { LineState } from "./connection.js";
import { Connections } from "./connections.js";
import { handleControl } from "./control.js";
import type { Delivery } from "./delivery.js";
import { Faults } from "./faults.js";
import { Heartbeat } from "./heartbeat.js";
import { Listener } from "./listener.js";
import { resolveOptions } from "./options.js";
import type { OutgoingData, ResolvedOptions, ServerMode, ServerOptions, StaticMount } from "./options.js";
import { Outbox } from "./outbox.js";
import { Responder } from "./responder.js";
import { checkMounts } from "./static.js";
import type { ReceivedMessage, ServerEvents, ServerState, TestServer } from "./types.js";
import { Upgrades } from "./upgrades.js";
import { DEFAULT_WAIT_MS, Waiters } from "./waiters.js";

export type { ReceivedMessage, ServerEvents, ServerState, TestServer } from "./types.js";

class Server implements TestServer {
  readonly events = new EventEmitter<ServerEvents>();
  readonly #line: LineState = { frozen: false, down: false, closed: false };
  readonly #waiters = new Waiters(() => this.#line.closed);
  readonly #outbox = new Outbox(this.#line);
  readonly #heartbeat: Heartbeat;
  readonly #conns: Connections;
  readonly #responder: Responder;
  readonly #upgrades: Upgrades;
  readonly #listener: Listener;
  readonly #faults: Faults;
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedOptions, mounts: StaticMount[]) {
    this.events.setMaxListeners(100);
    this.#heartbeat = new Heartbeat(options.heartbeat, this.#line, this.#outbox);
    this.#conns = new Connections(this.events, this.#line, this.#outbox, this.#heartbeat, {
      respond: (conn, data, binary) => this.#responder.respond(conn, data, binary),
      closed: (conn) => this.#responder.closed(conn),
      changed: () => this.#waiters.settle(),
    });
    this.#responder = new Responder(options, this.#outbox, this.events, this.#conns.open);
    this.#upgrades = new Upgrades(this.#line, this.events, (ws) => this.#conns.accept(ws));
    this.#listener = new Listener(options, mounts, {
      control: (req, res, pathname) => handleControl(this, req, res, pathname),
      upgrade: (req, socket, head) => this.#upgrades.onUpgrade(req, socket, head),
    });
    this.#faults = new Faults(this.#line, this.#conns, this.#outbox, this.#heartbeat, this.#upgrades, this.#listener, this.events);
  }

  async start(port: number): Promise<void> {
    await this.#listener.listen(port);
    this.#heartbeat.start(() => this.#conns.open.values());
  }

  // ---- read-only view -------------------------------------------------------

  get url(): string {
    return this.#listener.url;
  }
  get httpUrl(): string {
    return this.#listener.httpUrl;
  }
  get port(): number {
    return this.#listener.port;
  }
  get clients(): number {
    return this.#conns.open.size;
  }
  get connections(): number {
    return this.#conns.accepted;
  }
  get rejected(): number {
    return this.#upgrades.rejected;
  }
  get pings(): number {
    return this.#conns.pings;
  }
  get pongs(): number {
    return this.#conns.pongs;
  }
  get mode(): ServerMode {
    return this.#responder.mode;
  }
  get frozen(): boolean {
    return this.#line.frozen;
  }
  get delayMs(): number {
    return this.#outbox.delayMs;
  }
  get delivery(): Delivery | undefined {
    return this.#responder.delivery;
  }
  get received(): readonly ReceivedMessage[] {
    return this.#conns.received;
  }

  texts(): string[] {
    return this.#conns.texts();
  }

  reset(): void {
    this.#conns.reset();
    this.#upgrades.rejected = 0;
  }

  state(): ServerState {
    const delivery = this.delivery;
    return {
      clients: this.clients,
      connections: this.connections,
      rejected: this.rejected,
      frozen: this.frozen,
      mode: this.mode,
      delay: this.delayMs,
      received: this.received.length,
      held: this.#upgrades.held,
      ...(delivery && { delivered: delivery.delivered.length, duplicates: delivery.duplicates }),
    };
  }

  // ---- answers and faults ---------------------------------------------------

  broadcast(data: OutgoingData): void {
    this.#responder.broadcast(data);
  }
  setMode(mode: ServerMode): void {
    this.#responder.setMode(mode);
  }
  dropAll(code?: number, reason?: string): void {
    this.#faults.dropAll(code, reason);
  }
  terminateAll(): void {
    this.#faults.terminateAll();
  }
  freeze(): void {
    this.#faults.freeze();
  }
  thaw(): void {
    this.#faults.thaw();
  }
  rejectNext(n: number, status?: number): void {
    this.#upgrades.rejectNext(n, status);
  }
  delay(ms: number): void {
    this.#faults.delay(ms);
  }
  restart(downForMs: number): Promise<void> {
    return this.#faults.restart(downForMs);
  }

  // ---- waiting --------------------------------------------------------------

  waitForClients(n: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.#waiters.wait(`waitForClients(${n})`, n, () => this.clients, "clients", timeoutMs);
  }
  waitForConnections(total: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.#waiters.wait(`waitForConnections(${total})`, total, () => this.connections, "connections", timeoutMs);
  }
  waitForMessages(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.#waiters.wait(`waitForMessages(${count})`, count, () => this.received.length, "received", timeoutMs);
  }

  // ---- shutdown -------------------------------------------------------------

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#line.closed = true;
    this.#heartbeat.stop();
    await this.#faults.shutdown();
    this.#faults.destroyAllSockets();
    this.#waiters.cancelAll();
    await this.#listener.close();
    this.#upgrades.close();
    await this.delivery?.server.close();
    await this.delivery?.store.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Start a loopback WebSocket server with fault injection.
 *
 * @example
 * const server = await startServer({ heartbeat: 1000 });
 * const ws = new WebSocket(server.url);
 * await server.waitForClients(1);
 * server.freeze(); // the line goes silent, the TCP connection stays up
 * await server.close();
 */
export async function startServer(options?: ServerOptions): Promise<TestServer> {
  const resolved = resolveOptions(options);
  const mounts = await checkMounts(resolved.static);
  const server = new Server(resolved, mounts);
  await server.start(resolved.port);
  return server;
}
