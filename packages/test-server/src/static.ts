import { promises as fs } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as path from "node:path";
import type { StaticMount } from "./options.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

/** Check mounts once at start so a typo fails `startServer()`, not the first request. */
export async function checkMounts(mounts: StaticMount[]): Promise<StaticMount[]> {
  return Promise.all(
    mounts.map(async (mount) => {
      const stat = await fs.stat(mount.dir).catch(() => undefined);
      if (!stat?.isDirectory()) {
        throw new TypeError(`static[${JSON.stringify(mount.prefix + "/")}] is not a directory: ${mount.dir}`);
      }
      // The real path, so a symlink inside cannot lead out of the tree unnoticed.
      return { prefix: mount.prefix, dir: await fs.realpath(mount.dir) };
    }),
  );
}

function inside(dir: string, target: string): boolean {
  return target === dir || target.startsWith(dir + path.sep);
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(`${status} ${text}\n`);
}

/**
 * Serve `pathname` from the first (longest) matching mount. Returns false when no
 * mount matches, so the caller can answer 404 itself.
 */
export async function serveStatic(
  mounts: StaticMount[],
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  search: string,
): Promise<boolean> {
  const mount = mounts.find((m) => pathname === m.prefix || pathname.startsWith(m.prefix + "/"));
  if (!mount) return false;

  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, 405, "Method Not Allowed", { allow: "GET, HEAD" });
    return true;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice(mount.prefix.length));
  } catch {
    send(res, 400, "Bad Request");
    return true;
  }
  if (rel.includes("\0")) {
    send(res, 400, "Bad Request");
    return true;
  }
  // The raw request path is used on purpose (not `new URL()`, which would fold
  // `/../` away), so a traversal attempt is seen and refused rather than rewritten.
  let target = path.resolve(mount.dir, "." + (rel.startsWith("/") ? rel : "/" + rel));
  if (!inside(mount.dir, target)) {
    send(res, 403, "Forbidden");
    return true;
  }
  let stat = await fs.stat(target).catch(() => undefined);
  if (stat?.isDirectory()) {
    if (!pathname.endsWith("/")) {
      // Relative links in index.html only resolve under a trailing slash.
      res.writeHead(301, { location: pathname + "/" + search, "cache-control": "no-store" });
      res.end();
      return true;
    }
    target = path.join(target, "index.html");
    stat = await fs.stat(target).catch(() => undefined);
  }
  if (!stat?.isFile()) {
    send(res, 404, "Not Found");
    return true;
  }
  const real = await fs.realpath(target).catch(() => undefined);
  if (real === undefined || !inside(mount.dir, real)) {
    send(res, 403, "Forbidden");
    return true;
  }
  const body = await fs.readFile(real).catch(() => undefined);
  if (body === undefined) {
    send(res, 404, "Not Found");
    return true;
  }
  res.writeHead(200, {
    "content-type": contentType(real),
    "content-length": String(body.length),
    // A dev server: a rebuilt client bundle must never be served stale.
    "cache-control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : body);
  return true;
}
