import type { IncomingMessage, ServerResponse } from "node:http";
import { isMode } from "./options.js";
import type { TestServer } from "./types.js";

/** Bodies are a handful of fields; anything bigger is a mistake. */
const MAX_BODY = 64 * 1024;

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;

interface Action {
  /** The body fields this action accepts; others are refused so typos are loud. */
  keys: readonly string[];
  run(server: TestServer, body: Body): void;
}

function int(body: Body, key: string, fallback?: number): number {
  const value = body[key] ?? fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new BadRequest(`"${key}" must be an integer${fallback === undefined ? " (required)" : ""}`);
  }
  return value;
}

function ms(body: Body, key: string): number {
  const value = body[key];
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new BadRequest(`"${key}" must be a non-negative number of ms (required)`);
  }
  return value;
}

function str(body: Body, key: string, fallback?: string): string {
  const value = body[key] ?? fallback;
  if (typeof value !== "string") {
    throw new BadRequest(`"${key}" must be a string${fallback === undefined ? " (required)" : ""}`);
  }
  return value;
}

const ACTIONS: Record<string, Action> = {
  dropAll: { keys: ["code", "reason"], run: (s, b) => s.dropAll(int(b, "code", 1000), str(b, "reason", "")) },
  terminateAll: { keys: [], run: (s) => s.terminateAll() },
  freeze: { keys: [], run: (s) => s.freeze() },
  thaw: { keys: [], run: (s) => s.thaw() },
  rejectNext: { keys: ["n", "status"], run: (s, b) => s.rejectNext(int(b, "n"), int(b, "status", 503)) },
  // Validated here; the restart itself runs after the response is sent (see below).
  restart: { keys: ["downForMs"], run: (_s, b) => void ms(b, "downForMs") },
  delay: { keys: ["ms"], run: (s, b) => s.delay(ms(b, "ms")) },
  broadcast: { keys: ["data"], run: (s, b) => s.broadcast(str(b, "data")) },
  mode: {
    keys: ["mode"],
    run: (s, b) => {
      const mode = b["mode"];
      if (!isMode(mode)) throw new BadRequest(`"mode" must be "echo" or "broadcast"`);
      s.setMode(mode);
    },
  },
  reset: { keys: [], run: (s) => s.reset() },
  // topics (acknowledged-delivery mode only): the playground's publisher
  publish: {
    keys: ["topic", "data"],
    run: (s, b) => {
      if (!s.delivery) throw new BadRequest("publish needs the acknowledged-delivery mode (--delivery at-least-once)", 409);
      const topic = str(b, "topic");
      if (topic === "" || topic.length > 256) throw new BadRequest('"topic" must be a string of 1-256 chars');
      void s.delivery.server.publish(topic, b["data"] ?? null).catch(() => {});
    },
  },
};

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "content-type",
  "access-control-max-age": "600",
};

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...CORS,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Keep reading (and discarding) so the 413 can still be answered.
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (size > MAX_BODY) return reject(new BadRequest(`body larger than ${MAX_BODY} bytes`, 413));
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (text === "") return resolve({});
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return reject(new BadRequest("body is not valid JSON"));
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return reject(new BadRequest("body must be a JSON object"));
      }
      resolve(value as Body);
    });
  });
}

/**
 * `POST /control/<fault>` runs a fault, `GET /control/state` reports; CORS is open
 * so the playground (or any page) can drive the server from another origin.
 */
export function handleControl(server: TestServer, req: IncomingMessage, res: ServerResponse, pathname: string): void {
  const name = pathname.slice("/control/".length);
  if (req.method === "OPTIONS") {
    res.writeHead(204, CORS);
    res.end();
    return;
  }
  if (name === "state") {
    if (req.method !== "GET" && req.method !== "HEAD") {
      json(res, 405, { error: "use GET /control/state" }, { allow: "GET, OPTIONS" });
      return;
    }
    json(res, 200, server.state());
    return;
  }
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  if (!action) {
    json(res, 404, { error: `unknown control "${name}"`, known: ["state", ...Object.keys(ACTIONS)] });
    return;
  }
  if (req.method !== "POST") {
    json(res, 405, { error: `use POST /control/${name}` }, { allow: "POST, OPTIONS" });
    return;
  }
  readBody(req)
    .then((body) => {
      const unknown = Object.keys(body).filter((k) => !action.keys.includes(k));
      if (unknown.length > 0) {
        throw new BadRequest(`unknown field(s) for ${name}: ${unknown.join(", ")}`);
      }
      action.run(server, body);
      if (name === "restart") {
        // Answer first: once the listener closes, this request's socket goes too.
        res.once("finish", () => void server.restart(body["downForMs"] as number).catch(() => {}));
        json(res, 200, { ok: true, state: server.state() }, { connection: "close" });
        return;
      }
      json(res, 200, { ok: true, state: server.state() });
    })
    .catch((error: unknown) => {
      // The server's own validation throws RangeError/TypeError: the caller's fault too.
      const status =
        error instanceof BadRequest ? error.status : error instanceof RangeError || error instanceof TypeError ? 400 : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) json(res, status, { error: message });
    });
}
