// Reads a server's CPU profile (BENCH_PROFILE=<kind>, bench/server/profiles/):
//   node profile.mjs <file.cpuprofile>                 where the samples go, by package
//   node profile.mjs <file.cpuprofile> <blockAt> <ms>  the stacks of the `ms` before `blockAt`
// `blockAt` is a phase's worst event-loop block's end (results.json,
// rounds.<kind>[i].<phase>.blockAt: µs of the monotonic clock, the profile's time base).
// Samples are wall clock on the main thread: on a shared machine, compare shares.
import { readFileSync } from "node:fs";

const [file, blockAt, ms] = process.argv.slice(2);
if (!file) throw new Error("usage: node profile.mjs <file.cpuprofile> [blockAt µs] [ms]");
const profile = JSON.parse(readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);

/** The frames of a sample, leaf first. */
function* stack(id) {
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) yield nodes.get(cur).callFrame;
}
const frameName = (f) => `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;

// the first rule matching a frame, from the leaf up, names the sample's group
const GROUPS = [
  [/\(garbage collector\)/, "GC"],
  [/\(idle\)/, "idle"],
  [/\(program\)/, "program (V8)"],
  [/\/ws\/lib\//, "ws (frames read and written)"],
  [/ioredis\/built\/(DataHandler|.*decoder)|resp\/decoder/, "ioredis: replies and Pub/Sub messages decoded"],
  [/ioredis\/built\//, "ioredis: commands encoded and written"],
  [/socket\.io|engine\.io/, "socket.io"],
  [/server\/dist\/redis/, "the Redis store's own code"],
  [/server\/dist\//, "lifeline's core"],
  [/bench\/server\//, "the bench's application"],
];

const rows = new Map();
let total = 0;
let t = profile.startTime;
const [from, to] = blockAt ? [Number(blockAt) - Number(ms ?? 50) * 1000, Number(blockAt)] : [-Infinity, Infinity];
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  t += dt;
  if (t < from || t > to) return;
  total += dt;
  let key;
  if (blockAt) key = [...stack(id)].slice(0, 6).map(frameName).join(" < ");
  else {
    key = "node internals, microtasks";
    for (const f of stack(id)) {
      const hit = GROUPS.find(([re]) => re.test(`${f.functionName} ${f.url}`));
      if (hit) {
        key = hit[1];
        break;
      }
    }
  }
  rows.set(key, (rows.get(key) ?? 0) + dt);
});
console.log(`${(total / 1000).toFixed(0)} ms of samples${blockAt ? ` in the ${ms} ms before ${blockAt}` : ""}`);
for (const [key, us] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(1).padStart(7)} ms  ${key}`);
}
