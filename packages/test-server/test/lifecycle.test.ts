import { promises as fs } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, expect, test } from "vitest";
import { startServer } from "../src/index.js";
import { cleanup, connectError, requireBuild, spawnNode, tempDir, withTimeout } from "./helpers.js";

afterEach(cleanup);

test("close() leaves no handles: a process that closed its servers exits by itself", async () => {
  const index = pathToFileURL(await requireBuild("index.js")).href;
  const site = await tempDir();
  await fs.writeFile(path.join(site, "index.html"), "ok");
  // Every kind of timer and socket the server owns is live when close() is called;
  // the 60 s ones would keep the process alive far past the bound below.
  const script = `
    import { startServer } from ${JSON.stringify(index)};
    const opened = (ws) => new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });

    const a = await startServer({ heartbeat: { interval: 50, timeout: 60000 }, static: { "/": ${JSON.stringify(site)} } });
    const client = new WebSocket(a.url);
    await opened(client);
    client.send("hi");
    await a.waitForMessages(1);
    await (await fetch(a.httpUrl + "/")).text();   // a keep-alive HTTP connection
    a.delay(60000);
    a.broadcast("late");                           // a pending delayed frame
    a.freeze();
    const held = new WebSocket(a.url);
    held.onerror = () => {};
    await new Promise((resolve) => a.events.once("held", resolve));   // a held upgrade
    a.waitForClients(5, 60000).catch(() => {});    // a pending waiter
    await a.close();
    await a.close();                               // idempotent

    const b = await startServer();
    const restarting = b.restart(60000).catch((e) => e.message);
    await new Promise((resolve) => b.events.once("down", resolve));
    await b.close();
    console.log("closed:", await restarting);
  `;
  const child = spawnNode(["--input-type=module", "-e", script]);
  const exit = await withTimeout(child.exited, 15_000, "child exit after close()");
  expect(child.stderr()).toBe("");
  expect(exit).toEqual({ code: 0, signal: null });
  expect(child.stdout().trim()).toBe("closed: restart(): the server was closed while down");
});

test("after close() the port is released and the server refuses further work", async () => {
  const server = await startServer();
  const url = server.url;
  await server.close();
  expect((await connectError(url)).code).toBe("ECONNREFUSED");
  await expect(server.restart(10)).rejects.toThrow("the server is closed");
  await expect(server.waitForClients(1)).rejects.toThrow("the server is closed");
});

test("await using closes the server at the end of the block", async () => {
  let url = "";
  {
    await using server = await startServer();
    url = server.url;
  }
  expect((await connectError(url)).code).toBe("ECONNREFUSED");
});
