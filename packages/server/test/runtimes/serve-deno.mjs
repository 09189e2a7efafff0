// Run by Deno (runtimes.test.ts): @lifeline/server's built Deno adapter on a
// loopback port. Echoes each client message back with send(); GET /shed
// closes every connection with 1013 (a fault the client recovers from);
// GET /flood stores many large messages for a session.
// Prints {"runtime","port"} once listening.
import { createLifelineServer } from "../../dist/index.js";
import { acceptWebSocket } from "../../dist/deno.js";

const lifeline = createLifelineServer({
  // a named user's messages are echoed to every session of theirs (they have one)
  onMessage: async ({ session, user }, data) => {
    await (user === undefined ? lifeline.send(session, { echo: data.c }) : lifeline.sendToUser(user, { echo: data.c }));
  },
});

/** GET /flood?session=S&n=N: stores N messages of 64 KiB for S (a reader that stopped reading gets them later). */
async function flood(url) {
  const session = url.searchParams.get("session");
  const n = Number(url.searchParams.get("n"));
  const chunk = "x".repeat(65_536);
  for (let i = 1; i <= n; i++) {
    const sent = await lifeline.send(session, { i, chunk });
    if (!sent.ok) return new Response(JSON.stringify(sent), { status: 500 });
  }
  return new Response(String(n));
}

Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, port })),
  },
  (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/shed") return new Response(String(lifeline.shed(1_000, 0)));
    if (url.pathname === "/flood") return flood(url);
    const { socket, response } = Deno.upgradeWebSocket(request);
    // the user as an app's auth would give it (here: the url says who)
    const user = new URL(request.url).searchParams.get("user") ?? undefined;
    acceptWebSocket(lifeline, socket, { user });
    return response;
  },
);
