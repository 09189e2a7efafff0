// Run by workerd inside miniflare (durable-object.test.ts): one Durable
// Object serving lifeline through @lifeline/server/cloudflare (the built
// dist). Echoes each client message back with send(). GET /crash resets the
// object (ctx.abort): its memory and sockets are gone, its storage stays.
// GET /stats: the server's counters and how many sockets had a ping auto-answered.
import { DurableObject } from "cloudflare:workers";
import { durableObjectLifeline } from "../../dist/cloudflare.js";

export class LifelineObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.lifeline = durableObjectLifeline(ctx, {
      // a named user's messages are echoed to every session of theirs (they have one)
      onMessage: async ({ session, user }, data) => {
        const server = this.lifeline.server;
        await (user === undefined ? server.send(session, { echo: data.c }) : server.sendToUser(user, { echo: data.c }));
      },
    });
  }

  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/crash") this.ctx.abort("torn down by the test");
    if (path === "/stats") {
      // sockets whose last ping the runtime answered without waking the object
      const autoResponses = this.ctx.getWebSockets().filter((ws) => this.ctx.getWebSocketAutoResponseTimestamp(ws) !== null).length;
      return Response.json({ ...this.lifeline.server.stats(), autoResponses });
    }
    // the user as an app's auth would give it (here: the url says who)
    const user = new URL(request.url).searchParams.get("user") ?? undefined;
    return this.lifeline.upgrade({ user });
  }

  webSocketMessage(ws, message) {
    this.lifeline.webSocketMessage(ws, message);
  }

  webSocketClose(ws) {
    this.lifeline.webSocketClose(ws);
  }

  webSocketError(ws) {
    this.lifeline.webSocketClose(ws);
  }

  alarm() {
    return this.lifeline.alarm();
  }
}

export default {
  fetch(request, env) {
    return env.LIFELINE.get(env.LIFELINE.idFromName("room")).fetch(request);
  },
};
