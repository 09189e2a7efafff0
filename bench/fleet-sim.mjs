// A fleet-scale simulation on paper (a pure computation: no sockets, no
// clock, seeded): 100,000 clients reconnecting to a 4-node fleet after the
// whole fleet restarted, under three retry policies. Writes
// docs/fleet-reconnects.svg and prints the figures docs/deployment.md quotes.
//
//   node bench/fleet-sim.mjs            (deterministic: same seed, same chart)
//
// The model, in 10 ms ticks:
// - at t = 0 every connection drops and every node is down for DOWN_MS; each
//   client schedules its first retry by its policy;
// - an attempt goes to a node picked at random (a load balancer without
//   stickiness). A node that is down refuses it at once. A node that is up
//   completes at most CAPACITY connection setups per second (TLS, hello,
//   replay); an attempt beyond that fails (without shed) or, with shed, is
//   closed with 1013 and a retryAfter that books it the node's next free slot
//   (a booked client is served before fresh attempts in its tick);
// - every attempt reaches the fleet 0–NOISE_MS after it was due (network and
//   event-loop noise), so even clients on one fixed schedule are not in perfect lockstep;
// - a client that failed waits its policy's next delay and tries again; a
//   connected client stays connected.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { seeded } from "../tools/test-kit/seeded.mjs";

export const MODEL = { clients: 100_000, nodes: 4, capacity: 2_500, downMs: 5_000, noiseMs: 200, tickMs: 10, horizonMs: 60_000, seed: 20_260_101 };

/** lifeline's default backoff: full jitter, uniform in [0, min(30 s, 500 ms · 2^(n−1))]. */
const lifelineDelay = (retry, random) => random() * Math.min(30_000, 500 * 2 ** (retry - 1));
/** partysocket's default schedule: min(10 s, 3 s · 1.3^(n−1)), the same for every client. */
const partysocketDelay = (retry) => Math.min(10_000, 3_000 * 1.3 ** (retry - 1));

export const POLICIES = [
  { key: "partysocket", label: "partysocket (fixed schedule)", color: "#dc2626", delay: partysocketDelay, shed: false },
  { key: "lifeline", label: "lifeline (full jitter)", color: "#2563eb", delay: lifelineDelay, shed: false },
  { key: "shed", label: "lifeline + shed (retryAfter)", color: "#059669", dash: "6 3", delay: lifelineDelay, shed: true },
];

/** Runs one policy; returns attempts per second reaching up nodes (per node, mean), and when clients got connected. */
export function simulate(policy, model = MODEL) {
  const random = seeded(model.seed);
  const ticks = Math.ceil(model.horizonMs / model.tickMs);
  const perTick = (model.capacity * model.tickMs) / 1_000;
  /** Clients due to attempt in each tick; those with a booked slot (shed) in their own list, served first. */
  const due = Array.from({ length: ticks }, () => []);
  const booked = Array.from({ length: ticks }, () => []);
  const retries = new Uint16Array(model.clients);
  const schedule = (client, now, advisedMs) => {
    const retry = ++retries[client];
    const at = now + (advisedMs ?? 0) + policy.delay(retry, random) + random() * model.noiseMs;
    const tick = Math.ceil(at / model.tickMs);
    if (tick < ticks) (advisedMs === undefined ? due : booked)[tick].push(client);
  };
  for (let c = 0; c < model.clients; c++) schedule(c, 0);
  const attemptsUp = new Float64Array(Math.ceil(model.horizonMs / 1_000)); // per second, all nodes
  const connectedAt = [];
  /** With shed: each node's next free setup slot, in ms. */
  const nextFree = new Float64Array(model.nodes);
  const used = new Float64Array(model.nodes);
  for (let tick = 0; tick < ticks; tick++) {
    const now = tick * model.tickMs;
    used.fill(0);
    const up = now >= model.downMs;
    for (const client of [...booked[tick], ...due[tick]]) {
      const node = Math.floor(random() * model.nodes);
      if (!up) {
        schedule(client, now);
        continue;
      }
      attemptsUp[Math.floor(now / 1_000)]++;
      if (used[node] < perTick) {
        used[node]++;
        connectedAt.push(now);
      } else if (policy.shed) {
        // book the node's next free slot and say so: 1013 {"retryAfter": ms}
        nextFree[node] = Math.max(nextFree[node], now) + 1_000 / model.capacity;
        schedule(client, now, nextFree[node] - now);
      } else {
        schedule(client, now);
      }
    }
    due[tick] = [];
    booked[tick] = [];
  }
  const perNode = Array.from(attemptsUp, (n) => n / model.nodes);
  // Infinity: not that many connected within the horizon
  const quantile = (q) => connectedAt[Math.ceil(q * model.clients) - 1] ?? Infinity;
  return {
    perNode,
    peak: Math.max(...perNode),
    connected: connectedAt.length,
    p50: quantile(0.5),
    p99: quantile(0.99),
    attempts: attemptsUp.reduce((a, b) => a + b, 0),
  };
}

const seconds = (ms) => (ms === Infinity ? `> ${MODEL.horizonMs / 1_000} s` : `${(ms / 1_000).toFixed(1)} s`);

const escapeXml = (s) => String(s).replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);

/** Attempts per second per node over time, one step line per policy, the capacity dashed. */
export function chart(results, model = MODEL) {
  const W = 820;
  const H = 400;
  const m = { left: 70, right: 260, top: 44, bottom: 50 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const xMax = model.horizonMs / 1_000;
  const top = Math.max(model.capacity, ...results.map((r) => r.result.peak));
  const yMax = [2_000, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 50_000, 100_000].find((v) => v >= top) ?? top;
  const x = (s) => m.left + (s / xMax) * pw;
  const y = (n) => m.top + ph - (Math.min(n, yMax) / yMax) * ph;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="24" font-size="14" font-weight="600">${escapeXml(
      `${model.clients.toLocaleString("en-US")} clients, ${model.nodes} nodes back after ${model.downMs / 1_000} s: connection attempts per node`,
    )}</text>`,
    `<rect x="${x(0)}" y="${m.top}" width="${x(model.downMs / 1_000) - x(0)}" height="${ph}" fill="#f3f4f6"/>`,
    `<text x="${(x(0) + x(model.downMs / 1_000)) / 2}" y="${m.top + ph - 8}" text-anchor="middle" fill="#6b7280">down</text>`,
  ];
  for (let s = 0; s <= xMax; s += 10) {
    out.push(`<line x1="${x(s)}" y1="${m.top}" x2="${x(s)}" y2="${m.top + ph}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${x(s)}" y="${m.top + ph + 16}" text-anchor="middle" fill="#374151">${s}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const n = (yMax / 5) * i;
    out.push(`<line x1="${m.left}" y1="${y(n)}" x2="${m.left + pw}" y2="${y(n)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${m.left - 6}" y="${y(n) + 4}" text-anchor="end" fill="#374151">${n.toLocaleString("en-US")}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#9ca3af"/>`);
  out.push(`<line x1="${m.left}" y1="${y(model.capacity)}" x2="${m.left + pw}" y2="${y(model.capacity)}" stroke="#111827" stroke-dasharray="5 4"/>`);
  out.push(`<text x="${m.left + pw - 4}" y="${y(model.capacity) - 5}" text-anchor="end" fill="#111827">capacity: ${model.capacity.toLocaleString("en-US")} setups/s per node</text>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle" fill="#111827">seconds since the fleet went down</text>`);
  out.push(`<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#111827">attempts per second per node</text>`);
  results.forEach(({ policy, result }, k) => {
    let d = `M${x(0).toFixed(1)},${y(0).toFixed(1)}`;
    result.perNode.forEach((n, s) => {
      d += ` L${x(s).toFixed(1)},${y(n).toFixed(1)} L${x(s + 1).toFixed(1)},${y(n).toFixed(1)}`;
    });
    const dash = policy.dash ? ` stroke-dasharray="${policy.dash}"` : "";
    out.push(`<path d="${d}" fill="none" stroke="${policy.color}" stroke-width="1.75" stroke-linejoin="round"${dash}/>`);
    const ly = m.top + 10 + k * 46;
    out.push(`<line x1="${m.left + pw + 16}" y1="${ly}" x2="${m.left + pw + 40}" y2="${ly}" stroke="${policy.color}" stroke-width="3"/>`);
    out.push(`<text x="${m.left + pw + 46}" y="${ly + 4}" fill="#111827">${escapeXml(policy.label)}</text>`);
    out.push(
      `<text x="${m.left + pw + 46}" y="${ly + 20}" fill="#4b5563" font-size="11">${escapeXml(
        `peak ${Math.round(result.peak).toLocaleString("en-US")}/s, 99% in ${seconds(result.p99)}`,
      )}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = POLICIES.map((policy) => ({ policy, result: simulate(policy) }));
  // FLEET_SIM_SVG: draw elsewhere (docs/test checks the committed chart is what the model gives)
  writeFileSync(process.env.FLEET_SIM_SVG ?? new URL("../docs/fleet-reconnects.svg", import.meta.url), chart(results));
  console.log("| policy | peak attempts/s per node | attempts in all | 50% connected | 99% connected |");
  console.log("|---|---:|---:|---:|---:|");
  for (const { policy, result } of results) {
    console.log(
      `| ${policy.label} | ${Math.round(result.peak).toLocaleString("en-US")} | ${result.attempts.toLocaleString("en-US")} | ${seconds(result.p50)} | ${seconds(result.p99)} |`,
    );
  }
}
