// Runs one of @lifeline/server's runtime adapters in its real runtime (the
// repo's own Deno and Bun binaries, offline) and drives it from here with the
// real client: messages both ways through faults, nothing lost or repeated.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@lifeline/client";
import { atLeastOnce } from "@lifeline/client/at-least-once";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PACKAGE = path.resolve(HERE, "../..");
export const BIN = path.resolve(PACKAGE, "../../node_modules/.bin");

export interface Served {
  runtime: string;
  url: string;
  httpUrl: string;
  /** What the runtime printed besides its ready line (empty when all is well). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `command args` and waits (bounded) for its `{"runtime","port"}` line. */
export function serve(command: string, args: string[], env: Record<string, string>): Promise<Served> {
  const child: ChildProcess = spawn(command, args, {
    cwd: HERE,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", NO_COLOR: "1", DO_NOT_TRACK: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let ready = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${command} did not start in 20 s:\n${output}`)), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      if (ready) return void (output += chunk);
      const line = /^(\{.*\})$/m.exec(chunk)?.[1];
      if (!line) return void (output += chunk);
      ready = true;
      clearTimeout(timer);
      const { runtime, port } = JSON.parse(line) as { runtime: string; port: number };
      resolve({
        runtime,
        url: `ws://127.0.0.1:${port}`,
        httpUrl: `http://127.0.0.1:${port}`,
        output: () => output,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((done) => child.once("exit", () => done()));
          child.kill("SIGKILL");
          await exited;
        },
      });
    });
    child.once("exit", (code) => {
      if (!ready) fail(new Error(`${command} exited (${String(code)}):\n${output}`));
    });
    child.once("error", fail);
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Exchange {
  sent: number;
  acknowledged: number;
  echoes: number[];
  resets: number;
  faults: number;
  /** Connections the client opened. */
  opens: number;
}

/** What `exchange` talks to: where to connect, and a fault to inject (true once it took effect). */
export interface Target {
  url: string | (() => string);
  fault(): Promise<boolean>;
  output(): string;
}

/** The fault of a served runtime: GET /shed closes every connection with 1013; true if it closed one. */
export const shed = (server: Served) => async () => Number(await (await fetch(`${server.httpUrl}/shed`)).text()) > 0;

/**
 * The client sends `count` numbered messages; the server echoes each with
 * send(); every `faultEvery` messages a fault is injected. Resolves once
 * every message is acknowledged and every echo arrived (bounded).
 */
export async function exchange(target: Target, count: number, faultEvery: number): Promise<Exchange> {
  const client = createClient({
    url: target.url,
    delivery: atLeastOnce({ ackEvery: 8, ackDelay: 20 }),
    backoff: { initial: 20, max: 100 },
    queue: { max: 1_000, overflow: "error" },
  });
  const result: Exchange = { sent: 0, acknowledged: 0, echoes: [], resets: 0, faults: 0, opens: 0 };
  client.on("delivered", ({ messages }: { messages: readonly unknown[] }) => (result.acknowledged += messages.length));
  client.on("message", (message) => result.echoes.push((message as { echo: number }).echo));
  client.on("reset", () => result.resets++);
  client.on("open", () => result.opens++);
  // failed attempts are routine while faults are injected (the client reports each one as CONNECT_FAILED)
  client.on("error", () => {});
  try {
    let nextFault = faultEvery;
    let echoesAtFault = 0;
    let opensAtFault = 0;
    while (result.sent < count) {
      for (let i = 0; i < 10 && result.sent < count; i++) client.send({ c: ++result.sent });
      if (result.sent >= nextFault && result.sent < count) {
        nextFault += faultEvery;
        // wait until the client is back on a new connection since the last fault and echoes flow on it
        for (let i = 0; i < 1_000 && (result.opens <= opensAtFault || result.echoes.length <= echoesAtFault); i++) await delay(5);
        // the client may be between connections: try again until the fault took (bounded)
        for (let i = 0, took = false; i < 100 && !took; i++) {
          took = await target.fault();
          if (took) result.faults++;
          else await delay(10);
        }
        opensAtFault = result.opens;
        echoesAtFault = result.echoes.length;
      }
      await delay(2);
    }
    const start = Date.now();
    while (result.acknowledged < count || result.echoes.length < count) {
      if (Date.now() - start > 15_000) {
        throw new Error(`not done: acknowledged ${result.acknowledged}/${count}, echoes ${result.echoes.length}/${count}; ${target.output()}`);
      }
      await delay(10);
    }
    return result;
  } finally {
    client.close();
  }
}

/** A raw `ws` client of `user`: every frame it got, and a bounded wait for one. */
async function rawUser(url: string, user: string) {
  const ws = new WebSocket(`${url}/?user=${user}`);
  const frames: string[] = [];
  ws.on("message", (data) => frames.push(data.toString()));
  ws.on("error", () => {});
  await new Promise<void>((resolve, reject) => ws.once("open", () => resolve()).once("error", reject));
  const next = async (text: string) => {
    for (let i = 0; i < 500 && !frames.includes(text); i++) await delay(10);
    if (!frames.includes(text)) throw new Error(`no ${text}: ${frames.join(" ")}`);
  };
  return { ws, frames, next, send: (frame: unknown) => ws.send(JSON.stringify(frame)) };
}

/**
 * Another user's connection presents a session id by hand, as an attacker
 * would: it gets `reset` and nothing else; the owner's line stays up and served.
 * The server echoes `{c}` messages as `{echo}`.
 */
export async function stolenId(url: string, session: string): Promise<void> {
  const alice = await rawUser(url, "alice");
  alice.send({ t: "hello", session, ack: 0 });
  alice.send({ t: "msg", seq: 1, data: { c: 1 } });
  await alice.next(`{"t":"msg","seq":1,"data":{"echo":1}}`);
  const mallory = await rawUser(url, "mallory");
  mallory.send({ t: "hello", session, ack: 0, resume: true });
  mallory.send({ t: "ack", seq: 1 });
  mallory.ws.send("ping");
  await mallory.next("pong");
  expect(mallory.frames).toEqual(['{"t":"reset","reason":"unknown-session"}', "pong"]);
  mallory.ws.close();
  expect(alice.ws.readyState).toBe(WebSocket.OPEN);
  alice.send({ t: "msg", seq: 2, data: { c: 2 } });
  await alice.next(`{"t":"msg","seq":2,"data":{"echo":2}}`);
  expect(alice.frames.filter((f) => f.includes("reset"))).toEqual([]);
  alice.ws.close();
}

/**
 * The suite an adapter passes in its own runtime: the server `start` launches
 * (a `serve()` child) takes 300 messages each way through 3 sheds, with 0
 * lost, 0 duplicates, in order, no reset, and prints nothing. `version` is
 * what its runtime line must match; `cleanup` runs once it stopped.
 */
export function describeServed(name: string, version: RegExp, start: () => Promise<Served>, cleanup: () => void = () => {}): void {
  let server: Served;
  describe(`@lifeline/server/${name.toLowerCase()} in ${name}`, () => {
    beforeAll(async () => {
      server = await start();
    }, 30_000);
    afterAll(async () => {
      await server?.stop();
      cleanup();
    });

    it(`runs in ${name}: 300 messages each way through 3 sheds, 0 lost, 0 duplicates, in order`, async () => {
      expect(server.runtime).toMatch(version);
      // a named user: the fixture echoes with sendToUser
      const result = await exchange({ ...server, url: `${server.url}/?user=runner`, fault: shed(server) }, 300, 75);
      expect(result.faults).toBe(3);
      expect(result.opens).toBeGreaterThanOrEqual(4);
      expect(result.acknowledged).toBe(300);
      expect(result.echoes).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(result.resets).toBe(0);
      expect(server.output()).toBe("");
    });

    it(`in ${name}, a reader that stops reading while 8 MiB are sent to it gets all of it, in order, once it reads again`, async () => {
      const ws = new WebSocket(`${server.url}/?user=slow`);
      const seqs: number[] = [];
      let greeted = false;
      ws.on("message", (data) => {
        const frame = JSON.parse(String(data)) as { t: string; seq?: number };
        if (frame.t === "msg") seqs.push(frame.seq as number);
        else if (frame.t === "ack") greeted = true;
      });
      await new Promise<void>((resolve, reject) => ws.once("open", () => resolve()).once("error", reject));
      ws.send(JSON.stringify({ t: "hello", session: "runtime-slow", ack: 0 }));
      // the hello's ack: the session exists
      for (let i = 0; i < 500 && !greeted; i++) await delay(10);
      ws.pause();
      expect(await (await fetch(`${server.httpUrl}/flood?session=runtime-slow&n=128`)).text()).toBe("128");
      ws.resume();
      for (let i = 0; i < 1_000 && seqs.length < 128; i++) await delay(10);
      expect(seqs).toEqual(Array.from({ length: 128 }, (_, i) => i + 1));
      ws.close();
      expect(server.output()).toBe("");
    });

    it(`in ${name}, a stolen session id reads nothing and knocks no one off`, async () => {
      await stolenId(server.url, "runtime-alice");
      expect(server.output()).toBe("");
    });
  });
}
