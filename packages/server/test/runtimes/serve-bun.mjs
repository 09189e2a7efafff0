// Run by Bun (runtimes.test.ts): @lifeline/server's built Bun adapter on a
// loopback port. Echoes each client message back with send(); GET /shed
// closes every connection with 1013 (a fault the client recovers from).
// Prints {"runtime","port"} once listening.
import { createLifelineServer } from "../../dist/index.js";
import { bunWebSocket } from "../../dist/bun.js";

const lifeline = createLifelineServer({
  // a named user's messages are echoed to every session of theirs (they have one)
  onMessage: async ({ session, user }, data) => {
    await (user === undefined ? lifeline.send(session, { echo: data.c }) : lifeline.sendToUser(user, { echo: data.c }));
  },
});

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request, bun) {
    if (new URL(request.url).pathname === "/shed") return new Response(String(lifeline.shed(1_000, 0)));
    // the user as an app's auth would give it (here: the url says who)
    const user = new URL(request.url).searchParams.get("user") ?? undefined;
    return bun.upgrade(request, { data: { user } }) ? undefined : new Response("upgrade required", { status: 426 });
  },
  websocket: bunWebSocket(lifeline),
});
console.log(JSON.stringify({ runtime: `bun ${Bun.version}`, port: server.port }));
