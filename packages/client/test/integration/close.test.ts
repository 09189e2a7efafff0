import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, connected, next, serve } from "./helpers.js";

afterEach(cleanup);

const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./fixtures/connect-then-close.mjs", import.meta.url));

describe("close()", () => {
  it("closes the connection cleanly: the server sees the client leave with 1000", async () => {
    const { server, client } = await connected({ heartbeat: { interval: 100, timeout: 1_000 } });
    const left = new Promise<{ client: number; code: number }>((resolve) => server.events.once("disconnect", resolve));
    const closed = next(client, "close");
    client.close();
    expect(await closed).toEqual({ code: 1000, reason: "", wasClean: true, willReconnect: false });
    expect(await left).toEqual({ client: 1, code: 1000 });
    expect(server.clients).toBe(0);
    expect(server.connections).toBe(1);
  });

  it("passes a custom code and reason to the server", async () => {
    const { server, client } = await connected();
    const left = new Promise<{ client: number; code: number }>((resolve) => server.events.once("disconnect", resolve));
    client.close(4001, "signed out");
    expect(await left).toMatchObject({ code: 4001 });
  });

  it("a Node process whose client connected and then closed exits on its own", async () => {
    expect(existsSync(DIST), `${DIST} is missing: run \`npm run build -w @lifeline/client\` first`).toBe(true);
    const server = await serve();
    const left = new Promise<{ code: number }>((resolve) => server.events.once("disconnect", resolve));
    const child = spawn(process.execPath, [SCRIPT, server.url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk));
    // bounded: a client that leaves a timer or a socket behind keeps the child alive, and the kill fails the test
    const exit = await new Promise<{ code: number | null; killed: boolean }>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve({ code: null, killed: true });
      }, 15_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, killed: false });
      });
    });
    expect(exit, `child output:\n${out}\n${err}`).toEqual({ code: 0, killed: false });
    expect(out.split("\n").filter(Boolean)).toEqual(["open 1", "close 1000 false", "closed", "request rejected"]);
    expect(err).toBe("");
    expect(await left).toMatchObject({ code: 1000 });
    expect(server.connections).toBe(1);
  });
});
