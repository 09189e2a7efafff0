import { promises as fs } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { cleanup, connect, requireBuild, spawnNode, tempDir, withTimeout } from "./helpers.js";

afterEach(cleanup);

const URL_LINE = /^lifeline test server: (https?):\/\/127\.0\.0\.1:(\d+)\/ \(WebSocket (wss?:\/\/127\.0\.0\.1:\d+\/ws)\)$/;

describe("lifeline-test-server CLI", () => {
  test("prints its URL line, serves files and WebSockets, and exits cleanly on SIGTERM", async () => {
    const cli = await requireBuild("cli.js");
    const site = await tempDir();
    await fs.writeFile(path.join(site, "index.html"), "<p>cli</p>");
    const run = spawnNode([cli, "--port", "0", "--static", `/=${site}`, "--mode", "broadcast", "--heartbeat", "0"]);

    const [, scheme, port, wsUrl] = await run.line(URL_LINE);
    expect(scheme).toBe("http");
    expect(wsUrl).toBe(`ws://127.0.0.1:${port}/ws`);
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/`)).text()).toBe("<p>cli</p>");
    expect(((await (await fetch(`${base}/control/state`)).json()) as { mode: string }).mode).toBe("broadcast");

    const peer = await connect(wsUrl!);
    peer.send("via cli");
    expect(await peer.nextText()).toBe("via cli");

    run.child.kill("SIGTERM");
    expect(await withTimeout(run.exited, 5000, "CLI exit after SIGTERM")).toEqual({ code: 0, signal: null });
    expect((await peer.closed).code).toBe(1006);
    expect(run.stderr()).toBe("");
  });

  test("--delivery at-least-once speaks protocol v2 and still echoes plain frames", async () => {
    const cli = await requireBuild("cli.js");
    const run = spawnNode([cli, "--port", "0", "--delivery", "at-least-once", "--static", `/=${await tempDir()}`]);
    const [, , , wsUrl] = await run.line(URL_LINE);
    const peer = await connect(wsUrl!);
    peer.send(JSON.stringify({ t: "hello", session: "cli", ack: 0 }));
    expect(JSON.parse(await peer.nextText())).toEqual({ t: "ack", seq: 0 });
    peer.send("plain");
    expect(await peer.nextText()).toBe("plain");
    run.child.kill("SIGTERM");
    expect(await withTimeout(run.exited, 5000, "CLI exit after SIGTERM")).toEqual({ code: 0, signal: null });
  });

  test("exits cleanly on SIGINT too", async () => {
    const cli = await requireBuild("cli.js");
    const run = spawnNode([cli, "--port", "0", "--static", `/=${await tempDir()}`]);
    await run.line(URL_LINE);
    run.child.kill("SIGINT");
    expect(await withTimeout(run.exited, 5000, "CLI exit after SIGINT")).toEqual({ code: 0, signal: null });
  });

  test("--tls serves https/wss and prints the CA path with a NODE_EXTRA_CA_CERTS hint", async () => {
    const cli = await requireBuild("cli.js");
    const run = spawnNode([cli, "--port", "0", "--tls", "--static", `/=${await tempDir()}`]);
    const [, scheme, , wsUrl] = await run.line(URL_LINE, 30_000);
    expect(scheme).toBe("https");
    const [, caPath] = await run.line(/^hint: trust it in Node with NODE_EXTRA_CA_CERTS=(\S+)$/);
    const ca = await fs.readFile(caPath!, "utf8");

    // Verified against the printed CA, not by turning verification off.
    const peer = await connect(wsUrl!, { ca });
    peer.send("secure");
    expect(await peer.nextText()).toBe("secure");

    run.child.kill("SIGTERM");
    expect((await withTimeout(run.exited, 5000, "CLI exit")).code).toBe(0);
    // The throwaway CA does not outlive the server.
    await expect(fs.access(caPath!)).rejects.toThrow();
  });

  test("bad arguments exit with 2 and the usage", async () => {
    const cli = await requireBuild("cli.js");
    for (const args of [["--mode", "chaos"], ["--delivery", "twice"], ["--port", "abc"], ["--nope"], ["--static", "nodir"]]) {
      const run = spawnNode([cli, ...args]);
      expect((await withTimeout(run.exited, 5000, "CLI exit")).code, args.join(" ")).toBe(2);
      expect(run.stderr()).toContain("usage: lifeline-test-server");
    }
  });
});
