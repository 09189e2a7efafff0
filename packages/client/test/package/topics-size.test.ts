// What ./topics adds to an app that already uses acknowledged delivery:
// DESIGN.md's budget is +1.0 kB min+gzip over the core with atLeastOnce().
import { expect, it } from "vitest";
import { bundle } from "./bundle.js";

const BUDGET_OVER_DELIVERY = 1_000;

const DELIVERY = `import { createClient } from "./index.js";
  import { atLeastOnce } from "./at-least-once.js";
  const client = createClient({ url: "wss://example.test/ws", delivery: atLeastOnce() });
  client.on("message", (m) => console.log(m));`;

it(`./topics adds at most ${BUDGET_OVER_DELIVERY} B min+gzip to the core with atLeastOnce(), and nothing to an app without it`, async () => {
  const delivery = await bundle(DELIVERY);
  const topics = await bundle(`${DELIVERY}
    import { subscribe } from "./topics.js";
    const room = subscribe(client, "room:1");
    room.on("message", (m, { offset }) => console.log(m, offset));
    room.on("gap", () => {});`);
  process.stdout.write(`topics: +${topics.gzip - delivery.gzip} B min+gzip over the core with atLeastOnce() (${delivery.gzip} B → ${topics.gzip} B)\n`);
  expect(delivery.text).not.toContain('"unsub"');
  expect(topics.text).toContain('"unsub"');
  expect(topics.gzip - delivery.gzip).toBeLessThanOrEqual(BUDGET_OVER_DELIVERY);
});
