// Run by Bun (runtimes.test.ts): @lifeline/server's built Bun adapter on a
// loopback port, serving the echo app (echo-app.mjs). Prints
// {"runtime","port"} once listening.
import { bunWebSocket } from "../../dist/bun.js";
import { lifeline, route, userOf } from "./echo-app.mjs";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request, bun) {
    return route(request) ?? (bun.upgrade(request, { data: { user: userOf(request) } }) ? undefined : new Response("upgrade required", { status: 426 }));
  },
  websocket: bunWebSocket(lifeline),
});
console.log(JSON.stringify({ runtime: `bun ${Bun.version}`, port: server.port }));
