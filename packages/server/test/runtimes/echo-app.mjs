// The app both runtime servers (serve-bun.mjs, serve-deno.mjs) run on
// @lifeline/server's build: each client message echoed back with send() (a
// named user's to every session of theirs), GET /shed closing every
// connection with 1013 (a fault the client recovers from), GET /flood
// storing many large messages for a session. The runtime's own file does the
// upgrade.
import { createLifelineServer } from "../../dist/index.js";

export const lifeline = createLifelineServer({
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

/** The answer to a plain HTTP request (/shed, /flood), or undefined for an upgrade. */
export function route(request) {
  const url = new URL(request.url);
  if (url.pathname === "/shed") return new Response(String(lifeline.shed(1_000, 0)));
  if (url.pathname === "/flood") return flood(url);
  return undefined;
}

/** The user as an app's auth would give it (here: the url says who). */
export const userOf = (request) => new URL(request.url).searchParams.get("user") ?? undefined;
