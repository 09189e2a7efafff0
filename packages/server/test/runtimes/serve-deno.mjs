// Run by Deno (runtimes.test.ts): @lifeline/server's built Deno adapter on a
// loopback port. Echoes each client message back with send(); GET /shed
// closes every connection with 1013 (a fault the client recovers from).
// Prints {"runtime","port"} once listening.
import { createLifelineServer } from "../../dist/index.js";
import { acceptWebSocket } from "../../dist/deno.js";

const lifeline = createLifelineServer({
  onMessage: async ({ session }, data) => {
    await lifeline.send(session, { echo: data.c });
  },
});

Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, port })),
  },
  (request) => {
    if (new URL(request.url).pathname === "/shed") return new Response(String(lifeline.shed(1_000, 0)));
    const { socket, response } = Deno.upgradeWebSocket(request);
    acceptWebSocket(lifeline, socket);
    return response;
  },
);
