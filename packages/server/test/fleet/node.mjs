// One node of the fleet test, run as its own process (so it can be killed
// with SIGKILL): the built @lifeline/server with `ws` and the Redis store.
// Env: PORT (0 = any), REDIS_URL, KEY_PREFIX, NODE_ID, EFFECTS (a file), HISTORY_MAX (topics).
// Its handler's effect is one line appended synchronously to EFFECTS before
// it returns, so the effect survives a kill -9 that comes right after.
// Parent → node (IPC): {send: session, n, id} → node → parent: {sent: id, result};
// {publish: topic, n, id} → {sent: id, result} (the topics soak).
// Node → parent: {ready: port}, {session} the first time a session speaks.
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { createLifelineServer } from "../../dist/index.js";
import { redisStore } from "../../dist/redis.js";

const { PORT = "0", REDIS_URL, KEY_PREFIX, NODE_ID, EFFECTS, HISTORY_MAX = "1000" } = process.env;
const sessions = new Set();

const lifeline = createLifelineServer({
  node: `${NODE_ID}-${process.pid}`,
  store: redisStore({ url: REDIS_URL, keyPrefix: KEY_PREFIX, sessionTtl: 60_000, replay: { max: 10_000 } }),
  topics: { history: { max: Number(HISTORY_MAX) } },
  onMessage({ session, seq }, data) {
    appendFileSync(EFFECTS, `${NODE_ID} ${session} ${seq} ${JSON.stringify(data)}\n`);
    if (!sessions.has(session)) {
      sessions.add(session);
      process.send?.({ session });
    }
  },
  // a store call that failed while Redis restarts closes the connection with 1011; the client reconnects
  onError: () => {},
});

const http = createServer();
const wss = new WebSocketServer({ server: http });
wss.on("connection", (ws) => lifeline.accept(ws));

process.on("message", (command) => {
  if (command && (typeof command.send === "string" || typeof command.publish === "string")) {
    const done = command.publish === undefined ? lifeline.send(command.send, { n: command.n }) : lifeline.publish(command.publish, { n: command.n });
    done.then(
      (result) => process.send?.({ sent: command.id, result }),
      (error) => process.send?.({ sent: command.id, result: { ok: false, reason: String(error) } }),
    );
  }
});

// the test process went away: do not outlive it
process.on("disconnect", () => process.exit(0));

http.listen(Number(PORT), "127.0.0.1", () => process.send?.({ ready: http.address().port }));
