// Run by Deno (runtimes.test.ts): @lifeline/server's built Deno adapter on a
// loopback port, serving the echo app (echo-app.mjs). Prints
// {"runtime","port"} once listening.
import { acceptWebSocket } from "../../dist/deno.js";
import { lifeline, route, userOf } from "./echo-app.mjs";

Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, port })),
  },
  (request) => {
    const answer = route(request);
    if (answer) return answer;
    const { socket, response } = Deno.upgradeWebSocket(request);
    acceptWebSocket(lifeline, socket, { user: userOf(request) });
    return response;
  },
);
