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
      onMessage: async ({ session }, data) => {
        await this.lifeline.server.send(session, { echo: data.c });
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
    return this.lifeline.upgrade();
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
