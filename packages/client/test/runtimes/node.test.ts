// Node 22: the built package through `import` (dist/index.js) and through
// `require` (dist/index.cjs), each in its own child process, on Node's global
// WebSocket with no polyfill.
import * as path from "node:path";
import { CLIENT_DIR, FIXTURES, runChild, scenarioSuite } from "./harness.js";

const node = process.versions.node;

scenarioSuite(`node ${node} (ESM import)`, {
  process: true,
  expectHello: { name: "node", version: node, module: "esm", webSocket: "WebSocket", resolved: `file://${path.join(CLIENT_DIR, "dist/index.js")}` },
  run: (server) => runChild(process.execPath, [path.join(FIXTURES, "run-esm.mjs"), server.url, server.httpUrl], { cwd: CLIENT_DIR, env: {} }),
});

scenarioSuite(`node ${node} (CJS require)`, {
  process: true,
  expectHello: { name: "node", version: node, module: "cjs", webSocket: "WebSocket", resolved: path.join(CLIENT_DIR, "dist/index.cjs"), loadedWs: 0 },
  run: (server) => runChild(process.execPath, [path.join(FIXTURES, "run-cjs.cjs"), server.url, server.httpUrl], { cwd: CLIENT_DIR, env: {} }),
});
