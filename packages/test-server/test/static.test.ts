import { promises as fs } from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { cleanup, connect, serve, tempDir } from "./helpers.js";

afterEach(cleanup);

const SECRET = "do-not-serve-this";
let root: string;
let site: string;
let lib: string;

// root/package.json and root/secret.txt sit just outside the served directories,
// so a traversal bug would actually find something to leak.
beforeEach(async () => {
  root = await tempDir("lifeline-static-");
  site = path.join(root, "site");
  lib = path.join(root, "lib");
  await fs.mkdir(path.join(site, "sub"), { recursive: true });
  await fs.mkdir(lib);
  const files: Record<string, string> = {
    "package.json": JSON.stringify({ secret: SECRET }),
    "secret.txt": SECRET,
    "site/index.html": "<h1>root index</h1>",
    "site/app.js": "export const app = 1;",
    "site/mod.mjs": "export {};",
    "site/common.cjs": "module.exports = {};",
    "site/style.css": "body{}",
    "site/data.json": '{"a":1}',
    "site/icon.svg": "<svg/>",
    "site/app.js.map": '{"version":3}',
    "site/blob.bin": "??",
    "site/sub/index.html": "<h1>sub index</h1>",
    "lib/index.js": "export const lib = true;",
  };
  for (const [file, content] of Object.entries(files)) await fs.writeFile(path.join(root, file), content);
  await fs.writeFile(path.join(site, "pixel.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await fs.symlink(path.join(root, "secret.txt"), path.join(site, "escape.txt"));
});

/** A raw request: unlike fetch/new URL, http.request sends the path untouched (`..` included). */
function rawGet(port: number, rawPath: string, method = "GET"): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: rawPath, method, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${rawPath} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

describe("static files", () => {
  test.each([
    ["/app.js", "text/javascript; charset=utf-8"],
    ["/mod.mjs", "text/javascript; charset=utf-8"],
    ["/common.cjs", "text/javascript; charset=utf-8"],
    ["/style.css", "text/css; charset=utf-8"],
    ["/data.json", "application/json; charset=utf-8"],
    ["/app.js.map", "application/json; charset=utf-8"],
    ["/icon.svg", "image/svg+xml"],
    ["/pixel.png", "image/png"],
    ["/index.html", "text/html; charset=utf-8"],
    ["/blob.bin", "application/octet-stream"],
  ])("%s is served as %s", async (file, type) => {
    const server = await serve({ static: { "/": site } });
    const res = await fetch(server.httpUrl + file);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(type);
    const expected = await fs.readFile(path.join(site, file));
    expect(Buffer.from(await res.arrayBuffer()).equals(expected)).toBe(true);
  });

  test("a directory serves its index.html; without a trailing slash it redirects first", async () => {
    const server = await serve({ static: { "/": site } });
    expect(await (await fetch(server.httpUrl + "/")).text()).toBe("<h1>root index</h1>");
    expect(await (await fetch(server.httpUrl + "/sub/")).text()).toBe("<h1>sub index</h1>");
    const redirect = await rawGet(server.port, "/sub?x=1");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe("/sub/?x=1");
  });

  test("the longest prefix wins and a query string is ignored", async () => {
    const server = await serve({ static: { "/": site, "/lib/": lib } });
    expect(await (await fetch(server.httpUrl + "/lib/index.js?v=2")).text()).toBe("export const lib = true;");
    expect(await (await fetch(server.httpUrl + "/app.js")).text()).toBe("export const app = 1;");
  });

  test("404 for a missing file and for paths no mount covers", async () => {
    const server = await serve({ static: { "/lib/": lib } });
    expect((await fetch(server.httpUrl + "/lib/nope.js")).status).toBe(404);
    expect((await fetch(server.httpUrl + "/app.js")).status).toBe(404);
    const bare = await serve();
    expect((await fetch(bare.httpUrl + "/")).status).toBe(404);
  });

  test.each(["/../package.json", "/..%2fpackage.json", "/%2e%2e/secret.txt", "/lib/../package.json", "/sub/../../secret.txt"])(
    "refuses traversal %s",
    async (rawPath) => {
      const server = await serve({ static: { "/": site, "/lib/": lib } });
      const res = await rawGet(server.port, rawPath);
      expect(res.status).toBe(403);
      expect(res.body).not.toContain(SECRET);
    },
  );

  test("refuses a symlink that leads outside the directory", async () => {
    const server = await serve({ static: { "/": site } });
    const res = await rawGet(server.port, "/escape.txt");
    expect(res.status).toBe(403);
    expect(res.body).not.toContain(SECRET);
  });

  test("HEAD has headers and no body; other methods are refused", async () => {
    const server = await serve({ static: { "/": site } });
    const head = await rawGet(server.port, "/app.js", "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String("export const app = 1;".length));
    expect(head.body).toBe("");
    expect((await rawGet(server.port, "/app.js", "DELETE")).status).toBe(405);
  });

  test("WebSocket upgrades still work on the same port", async () => {
    const server = await serve({ static: { "/": site } });
    const peer = await connect(`ws://127.0.0.1:${server.port}/`);
    peer.send("same port");
    expect(await peer.nextText()).toBe("same port");
  });
});
