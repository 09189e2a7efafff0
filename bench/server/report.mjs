// The server bench's tables and budgets (the "Server" block of
// docs/performance.md): medians of the rounds with min–max, ratios to raw
// `ws` taken within each round, and a verdict per budget of issue 23.
import { fmtFixed, fmtInt, fmtRange, fmtRatio, summary, table } from "../report.mjs";
import { KIND_NAMES } from "./measure.mjs";

// Budgets: memory per idle connection against raw `ws` (memory store, Redis store); server→client CPU
// with the memory store; server→client through Redis (messages/s and the lifeline process's CPU);
// client→server messages/s through Redis; heap back to baseline after a churn; the worst event-loop block.
export const SERVER_BUDGETS = { memory: 1.4, memoryRedis: 1.7, outCpu: 1.1, redisOutRate: 0.6, redisOutCpu: 2, redisInRate: 1, churnBytes: 1_048_576, blockMs: 50 };

const PHASES = ["idle", "in", "out", "churn"];
const get = (run, path) => path.split(".").reduce((v, k) => v?.[k], run);

/** Per kind and figure: the rounds' summary, and the summary of the per-round ratios to raw `ws`. */
function figures(result) {
  const { kinds, rounds } = result;
  const values = (kind, path) => (rounds[kind] ?? []).map((run) => get(run, path));
  // the rate phases measured in turns carry their ratios (medians of per-cycle ratios, turns.mjs)
  const toRaw = (path) => path.replace(".", ".toRaw.");
  const ratios = (kind, path) => values(kind, path).map((v, i) => get(rounds[kind][i], toRaw(path)) ?? v / get(rounds.ws?.[i], path));
  // per round, the worst over its phases
  const worst = (kind, key) => (rounds[kind] ?? []).map((run) => Math.max(...PHASES.map((p) => run?.[p]?.[key]).filter((v) => v !== undefined)));
  const stat = (kind, path) => summary(values(kind, path));
  const ratio = (kind, path) => summary(ratios(kind, path));
  return { kinds, stat, ratio, loop: (kind) => summary(worst(kind, "loopMaxMs")), block: (kind) => summary(worst(kind, "blockMs")) };
}

const bytes = (n) => `${fmtInt(n)} B`;
const mib = (n) => (n === undefined ? "—" : `${n >= 0 ? "+" : "−"}${fmtFixed(Math.abs(n) / 1_048_576, 2)} MiB`);
const us = (n) => fmtFixed(n, 1);
const ms = (n) => fmtFixed(n, 0);

/** The comparison table: one row per figure, one column per server kind. */
export function serverTable(result) {
  const f = figures(result);
  const c = result.config;
  const cells = (fn) => f.kinds.map((kind) => fn(kind));
  const valueRow = (label, path, fmt) => [label, ...cells((k) => fmtRange(f.stat(k, path), fmt))];
  const ratioRow = (label, path) => [label, ...cells((k) => (k === "ws" ? "1.00×" : fmtRange(f.ratio(k, path), fmtRatio)))];
  const redisRow = (label, path) => [label, ...cells((k) => (k === "lifeline-redis" && f.stat(k, path).n > 0 ? `+${fmtRange(f.stat(k, path), us)} µs` : ""))];
  const rows = [
    valueRow(`heap per idle connection (${fmtInt(c.idle.count)})`, "idle.perConnection", bytes),
    ratioRow("  × raw", "idle.perConnection"),
    valueRow(`client→server, ${c.in.clients} connections: messages/s`, "in.perSecond", fmtInt),
    ratioRow("  × raw", "in.perSecond"),
    valueRow("client→server: server CPU µs / message", "in.cpuPerMessage", us),
    ratioRow("  × raw", "in.cpuPerMessage"),
    redisRow("  Redis's own CPU µs / message", "in.redisCpuPerMessage"),
    valueRow("  the clients' own CPU µs / message", "in.clientCpuPerMessage", us),
    valueRow("  acknowledgements per 1,000 messages", "in.acksPerMessage", (n) => fmtFixed(n * 1000, 1)),
    valueRow(`server→client, ${c.out.clients} sessions: messages/s`, "out.perSecond", fmtInt),
    ratioRow("  × raw", "out.perSecond"),
    valueRow("server→client: server CPU µs / message", "out.cpuPerMessage", us),
    ratioRow("  × raw", "out.cpuPerMessage"),
    redisRow("  Redis's own CPU µs / message", "out.redisCpuPerMessage"),
    valueRow("heap kept after the server→client run", "out.kept", mib),
    [
      `${fmtInt(c.churn.count)} sessions made and expired: heap after expiry vs before`,
      ...cells((k) => (c.churn.kinds.includes(k) ? fmtRange(f.stat(k, "churn.delta"), mib) : "not measured")),
    ],
    ["event loop, worst delay (wall clock), ms", ...cells((k) => fmtRange(f.loop(k), ms))],
    ["event loop, worst block on the CPU, ms", ...cells((k) => fmtRange(f.block(k), ms))],
    [
      "  per phase: idle / in / out / churn (medians)",
      ...cells((k) => PHASES.map((p) => (f.stat(k, `${p}.blockMs`).n > 0 ? ms(f.stat(k, `${p}.blockMs`).median) : "–")).join(" / ")),
    ],
  ];
  if (result.capacity) {
    const cap = (k) => result.capacity[k];
    rows.push([
      `idle connections held (up to ${fmtInt(Object.values(result.capacity)[0]?.tried)} tried within ${c.capacity.boundMs / 1000} s)`,
      ...cells((k) => (cap(k) ? `${fmtInt(cap(k).connections)} in ${fmtFixed(cap(k).seconds, 1)} s` : "not measured")),
    ]);
    rows.push(["  what stopped it", ...cells((k) => (cap(k) ? cap(k).stoppedBy.replace(/\|/g, "/").slice(0, 60) : ""))]);
  }
  return table(["measure", ...f.kinds.map((k) => KIND_NAMES[k])], rows);
}

/** [budget, figure, met] rows for the budgets whose measures ran. */
export function serverVerdicts(result) {
  const f = figures(result);
  const B = SERVER_BUDGETS;
  const has = (kind) => f.kinds.includes(kind) && (result.rounds[kind] ?? []).some(Boolean);
  const med = (s) => s.median;
  const rows = [];
  const ratioBudget = (label, kind, path, limit, atMost = true) => {
    if (!has(kind)) return;
    const r = med(f.ratio(kind, path));
    if (r === undefined) return;
    rows.push([label, fmtRange(f.ratio(kind, path), fmtRatio), atMost ? r <= limit : r >= limit]);
  };
  ratioBudget(`heap per idle connection, memory store ≤ ${B.memory}× raw`, "lifeline-memory", "idle.perConnection", B.memory);
  ratioBudget(`heap per idle connection, Redis store ≤ ${B.memoryRedis}× raw`, "lifeline-redis", "idle.perConnection", B.memoryRedis);
  ratioBudget(`server→client CPU per message, memory store ≤ ${B.outCpu}× raw`, "lifeline-memory", "out.cpuPerMessage", B.outCpu);
  ratioBudget(`server→client messages/s through Redis ≥ ${B.redisOutRate}× raw`, "lifeline-redis", "out.perSecond", B.redisOutRate, false);
  ratioBudget(`… at a lifeline process CPU per message ≤ ${B.redisOutCpu}× raw (Redis's own beside it)`, "lifeline-redis", "out.cpuPerMessage", B.redisOutCpu);
  ratioBudget(`client→server messages/s through Redis ≥ ${B.redisInRate.toFixed(1)}× raw`, "lifeline-redis", "in.perSecond", B.redisInRate, false);
  for (const kind of ["lifeline-memory", "lifeline-redis"]) {
    const s = f.stat(kind, "churn.delta");
    if (has(kind) && s.median !== undefined) rows.push([`churn, ${KIND_NAMES[kind]}: heap back within 1 MiB of baseline`, fmtRange(s, mib), s.max <= B.churnBytes]);
  }
  for (const kind of ["lifeline-memory", "lifeline-redis"]) {
    const s = f.block(kind);
    if (has(kind) && s.median !== undefined) rows.push([`no event-loop block over ${B.blockMs} ms, ${KIND_NAMES[kind]} (worst block on the CPU)`, fmtRange(s, (n) => `${ms(n)} ms`), s.max <= B.blockMs]);
  }
  return rows;
}

/** The whole Markdown block: the table, then the budgets. */
export function serverMarkdown(result, { date, machine, rounds }) {
  const c = result.config;
  const verdicts = serverVerdicts(result);
  return [
    `Run of ${date} on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; one server process per column, its clients in another; ` +
      `median (min–max) of ${rounds} rounds, ratios to raw \`ws\` taken within each round; sessionTtl ${c.sessionTtl / 1000} s, replay.max ${fmtInt(c.replayMax)}; ` +
      `descriptor limit ${fmtInt(result.fdLimit)} per process.`,
    serverTable(result),
    `#### Server budgets\n\n${table(["budget", "lifeline", "met"], verdicts.map(([what, figure, met]) => [what, figure, met ? "yes" : "**no**"]))}`,
    ...(result.failures.length > 0 ? [`Failed: ${result.failures.join("; ")}`] : []),
  ].join("\n\n");
}
