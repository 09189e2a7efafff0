// What `npx @lifeline/test-server` gets: the packed tarball, installed outside
// the repository next to its two dependencies, runs its bin and serves.
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, test } from "vitest";
import { cleanup, connect, packageDir, requireBuild, spawnNode, tempDir, withTimeout } from "./helpers.js";

const run = promisify(execFile);
afterEach(cleanup);

const URL_LINE = /^lifeline test server: http:\/\/127\.0\.0\.1:(\d+)\/ \(WebSocket (ws:\/\/127\.0\.0\.1:\d+\/ws)\)$/;

interface Manifest {
  private?: boolean;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

describe("the published package", () => {
  test("packs dist, README, CHANGELOG and LICENSE; its bin runs from an outside install and answers the heartbeat", async () => {
    await requireBuild("cli.js");
    const pkg = JSON.parse(await fs.readFile(path.join(packageDir, "package.json"), "utf8")) as Manifest;
    expect(pkg.private).toBeUndefined();
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(["@lifeline/server", "ws"]);

    const app = await tempDir("lifeline-outside-app-");
    const { stdout } = await run("npm", ["pack", "--pack-destination", app, "--json", "--ignore-scripts"], { cwd: packageDir, timeout: 60_000 });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info!.files.map((f) => f.path);
    expect(files.filter((f) => !f.startsWith("dist/")).sort()).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "package.json"]);
    const [bin] = Object.values(pkg.bin ?? {});
    expect(files).toContain(path.posix.normalize(bin!));

    // node_modules of an app: the tarball unpacked, its dependencies linked from the workspace
    const installed = path.join(app, "node_modules/@lifeline/test-server");
    await fs.mkdir(installed, { recursive: true });
    await run("tar", ["xzf", path.join(app, info!.filename), "-C", installed, "--strip-components=1"]);
    await fs.symlink(path.resolve(packageDir, "../server"), path.join(app, "node_modules/@lifeline/server"), "dir");
    await fs.symlink(path.dirname(createRequire(import.meta.url).resolve("ws/package.json")), path.join(app, "node_modules/ws"), "dir");

    const cli = spawnNode([path.join(installed, bin!), "--port", "0"]);
    const [, port, wsUrl] = await cli.line(URL_LINE);
    const peer = await connect(wsUrl!);
    peer.send("ping");
    expect(await peer.nextText()).toBe("pong");
    peer.send("hello");
    expect(await peer.nextText()).toBe("hello");
    // no repository around it: no playground to serve
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);

    cli.child.kill("SIGINT");
    expect(await withTimeout(cli.exited, 5000, "CLI exit after SIGINT")).toEqual({ code: 0, signal: null });
    expect(cli.stderr()).toBe("");
  }, 90_000);
});
