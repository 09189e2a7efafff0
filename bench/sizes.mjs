// Measure 1: what each library adds to a browser bundle. Every entry is the
// same small application (connect, handle messages, send one) bundled by
// esbuild (minify, esm, platform browser), then compressed with node:zlib.
import { build } from "esbuild";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));

const APP = `
  socket.addEventListener("message", (event) => console.log(JSON.parse(event.data)));
  socket.send(JSON.stringify({ type: "chat", text: "hi" }));`;

const LIFELINE_APP = (schema) => `
  const client = createClient({ url: "wss://example.test/ws"${schema ? ", incoming: Message" : ""} });
  client.on("message", (message) => console.log(message));
  client.send({ type: "chat", text: "hi" });`;

const SCHEMA = `const Message = z.object({ type: z.literal("chat"), text: z.string() });`;

/** The same application as a React component through @lifeline/react (exported, so it is kept). */
const REACT_APP = `
  import { createElement } from "react";
  import { useClient, useLatest, useLifelineState, useOnType } from "@lifeline/react";
  export function Chat() {
    const client = useClient(() => ({ url: "wss://example.test/ws" }));
    const state = useLifelineState(client);
    const last = useLatest(client);
    useOnType(client, "chat", (message) => console.log(message));
    return createElement("button", { onClick: () => client.send({ type: "chat", text: "hi" }), title: String(last) }, state);
  }`;

/** [key, label, entry source, externals] */
export const ENTRIES = [
  ["raw", "raw WebSocket (baseline)", `const socket = new WebSocket("wss://example.test/ws");${APP}`, []],
  ["lifeline", "lifeline (zod external)", `import { createClient } from "@lifeline/client";${LIFELINE_APP(false)}`, ["zod"]],
  [
    "lifeline+zod-mini",
    "lifeline + zod/mini schema",
    `import { createClient } from "@lifeline/client"; import * as z from "zod/mini"; ${SCHEMA}${LIFELINE_APP(true)}`,
    [],
  ],
  [
    "lifeline+zod",
    "lifeline + zod schema",
    `import { createClient } from "@lifeline/client"; import { z } from "zod"; ${SCHEMA}${LIFELINE_APP(true)}`,
    [],
  ],
  [
    "lifeline-all",
    "lifeline, every entry point imported (zod external)",
    `import { createClient } from "@lifeline/client"; import { atLeastOnce } from "@lifeline/client/at-least-once";
     import { request } from "@lifeline/client/request"; import { LifelineWebSocket } from "@lifeline/client/websocket"; import { acrossTabs } from "@lifeline/client/share";
     new LifelineWebSocket("wss://example.test/ws").onmessage = (e) => console.log(e.data);
     const client = createClient({ url: "wss://example.test/ws", delivery: atLeastOnce(), share: acrossTabs({ name: "chat" }) });
     client.on("message", (message) => console.log(message)); request(client, { type: "get" }).then(console.log);`,
    ["zod"],
  ],
  [
    "lifeline+share",
    "lifeline + acrossTabs() (zod external)",
    `import { createClient } from "@lifeline/client"; import { acrossTabs } from "@lifeline/client/share";
    const client = createClient({ url: "wss://example.test/ws", share: acrossTabs({ name: "chat" }) });
    client.on("message", (message) => console.log(message));
    client.send({ type: "chat", text: "hi" });`,
    ["zod"],
  ],
  ["lifeline+react", "lifeline + @lifeline/react hooks (React, zod external)", REACT_APP, ["react", "zod"]],
  [
    "lifeline-websocket",
    "lifeline LifelineWebSocket, the drop-in (zod external)",
    `import { LifelineWebSocket } from "@lifeline/client/websocket"; const socket = new LifelineWebSocket("wss://example.test/ws");${APP}`,
    ["zod"],
  ],
  [
    "partysocket",
    "partysocket core (partysocket/ws)",
    `import ReconnectingWebSocket from "partysocket/ws"; const socket = new ReconnectingWebSocket("wss://example.test/ws");${APP}`,
    [],
  ],
  [
    "partysocket-full",
    "partysocket (PartySocket)",
    `import PartySocket from "partysocket"; const socket = new PartySocket({ host: "example.test", room: "r" });${APP}`,
    [],
  ],
  [
    "reconnecting-websocket",
    "reconnecting-websocket",
    `import ReconnectingWebSocket from "reconnecting-websocket"; const socket = new ReconnectingWebSocket("wss://example.test/ws");${APP}`,
    [],
  ],
];

/** Minified, gzip (level 9) and brotli (quality 11) byte counts of one bundle. */
export async function bundleSize(contents, external = []) {
  const result = await build({
    stdin: { contents, resolveDir: HERE, loader: "js", sourcefile: "entry.js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    // DESIGN.md's budgets are for production builds: development-only prose folded away
    define: { "process.env.NODE_ENV": '"production"' },
    external,
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return {
    min: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

export async function measureSizes() {
  const sizes = {};
  for (const [key, label, contents, external] of ENTRIES) sizes[key] = { label, ...(await bundleSize(contents, external)) };
  return sizes;
}
