// The Durable Object adapter in workerd, through miniflare, offline (cf:
// false): the real client streams both ways while the object is torn down
// and rebuilt with its storage — ctx.abort() (memory and sockets gone) and a
// restart of workerd itself (storage persisted on disk) — 0 lost, 0
// duplicates. The heartbeat is answered by the runtime's auto-response.
// Nothing leaves loopback: every connection this process opens is checked,
// and so are workerd's sockets.
import { readFileSync, readdirSync, readlinkSync, mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Miniflare } from "miniflare";
import type { MiniflareOptions } from "miniflare";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { HERE, PACKAGE, exchange, stolenId } from "./harness.js";

const temp = mkdtempSync(path.join(tmpdir(), "lifeline-durable-object-"));
const options: MiniflareOptions = {
  modules: true,
  scriptPath: path.join(HERE, "durable-object.mjs"),
  modulesRoot: PACKAGE,
  modulesRules: [{ type: "ESModule", include: ["**/*.js"] }],
  compatibilityDate: "2026-07-01",
  durableObjects: { LIFELINE: "LifelineObject" },
  durableObjectsPersist: path.join(temp, "storage"),
  cf: false,
  host: "127.0.0.1",
  port: 0,
};

let mf: Miniflare;
let base: URL;
const connected: string[] = [];

/** Remote addresses of the TCP sockets workerd processes (children of this one) hold. */
function workerdRemotes(): { processes: number; remotes: string[] } {
  const remotes: string[] = [];
  let processes = 0;
  const table = ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) => readFileSync(file, "utf8").split("\n").slice(1));
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    if (!stat.includes("(workerd)") || Number(stat.split(") ")[1]?.split(" ")[1]) !== process.pid) continue;
    processes++;
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // closed meanwhile
      }
    }
    for (const row of table) {
      const cols = row.trim().split(/\s+/);
      if (cols[9] && inodes.has(cols[9]) && cols[2] && !/^0+:0000$/.test(cols[2])) remotes.push(cols[2]);
    }
  }
  return { processes, remotes };
}

/** 127.0.0.1 as /proc/net/tcp writes it (little-endian hex), or ::1 / ::ffff:127.0.0.1 in tcp6. */
const isLoopback = (hex: string) => {
  const address = hex.split(":")[0] ?? "";
  return address === "0100007F" || address === "00000000000000000000000001000000" || address.endsWith("0100007F");
};

describe("@lifeline/server/cloudflare in workerd (miniflare)", () => {
  beforeAll(async () => {
    // every TCP connection this process opens from here on (miniflare's, the client's) must go to loopback
    const connect = net.Socket.prototype.connect;
    vi.spyOn(net.Socket.prototype, "connect").mockImplementation(function (this: net.Socket, ...args: unknown[]) {
      // connect(options), connect(port, host) or, from net.connect(), connect([options, callback])
      const first = (Array.isArray(args[0]) ? args[0][0] : args[0]) as { host?: string; path?: string; port?: number } | number | string;
      if (typeof first === "object") connected.push(first.path ?? first.host ?? "localhost");
      else if (typeof first === "string") connected.push(first);
      else connected.push(typeof args[1] === "string" ? args[1] : "localhost");
      return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    });
    mf = new Miniflare(options);
    base = await mf.ready;
  }, 60_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await mf?.dispose();
    rmSync(temp, { recursive: true, force: true });
  });

  it("answers the heartbeat with the runtime's auto-response, and speaks the protocol", async () => {
    const ws = new WebSocket(base.href.replace(/^http/, "ws"));
    const frames: string[] = [];
    const arrived = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${text}: ${frames.join(" ")}`)), 5_000);
        const check = () => frames.includes(text) && (clearTimeout(timer), resolve());
        ws.on("message", check);
        check();
      });
    ws.on("message", (data) => frames.push(data.toString()));
    await new Promise<void>((resolve, reject) => ws.once("open", () => resolve()).once("error", reject));
    ws.send("ping");
    await arrived("pong");
    ws.send(JSON.stringify({ t: "hello", session: "probe", ack: 0 }));
    await arrived('{"t":"ack","seq":0}');
    const stats = (await (await fetch(new URL("/stats", base))).json()) as { autoResponses: number; sessions: number };
    expect(stats.autoResponses).toBe(1);
    expect(stats.sessions).toBe(1);
    ws.close();
  });

  it("the object torn down and rebuilt with its storage while the client streams (ctx.abort, workerd restart): 0 lost, 0 duplicates", async () => {
    let faults = 0;
    const result = await exchange(
      {
        url: () => `${base.href.replace(/^http/, "ws")}?user=runner`,
        fault: async () => {
          if (faults++ % 2 === 0) {
            // the object resets: its memory and its sockets go, its storage stays
            await fetch(new URL("/crash", base));
          } else {
            // workerd itself restarts; the storage is on disk
            await mf.setOptions(options);
            base = await mf.ready;
          }
          return true;
        },
        output: () => "",
      },
      400,
      80,
    );
    expect(result.faults).toBe(4);
    // each teardown cost the client its connection
    expect(result.opens).toBeGreaterThanOrEqual(5);
    expect(result.acknowledged).toBe(400);
    expect(result.echoes).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(result.resets).toBe(0);
  }, 60_000);

  it("a stolen session id reads nothing and knocks no one off", async () => {
    await stolenId(base.href.replace(/^http/, "ws").replace(/\/$/, ""), "do-alice");
  });

  it("nothing left loopback", () => {
    expect(connected.length).toBeGreaterThan(0);
    expect(connected.filter((host) => !["127.0.0.1", "localhost", "::1"].includes(host) && !host.startsWith("/"))).toEqual([]);
    const workerd = workerdRemotes();
    expect(workerd.processes).toBeGreaterThan(0);
    expect(workerd.remotes.filter((remote) => !isLoopback(remote))).toEqual([]);
  });
});
