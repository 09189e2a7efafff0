// The chaos soaks' shared fault schedule: a seeded random sequence of server
// faults, the knobs that size a run (LIFELINE_SOAK_MS, LIFELINE_SOAK_SEED),
// and the one-line figures of what was injected. soak.ts (one way) and
// two-way-soak.ts (both ways, with store loss) drive their servers with it.
import type { TestServer } from "@lifeline/test-server";
import { createRandom, pause, report } from "./helpers.js";

export type FaultKind = "dropAll" | "terminateAll" | "freeze" | "restart" | "rejectNext" | "storeLost";

/** The faults every soak injects; `storeLost` only where the server end can lose its store. */
export const LINE_FAULTS: readonly FaultKind[] = ["dropAll", "terminateAll", "freeze", "restart", "rejectNext"];

/** Close codes after which the client reconnects by default (1002, 1003, 1007–1010 and 44xx would stop it). */
const RECONNECTING_CODES = [1000, 1001, 1011, 1012, 1013, 3000, 4000, 4999] as const;

/** Time for the final checks after the faults stopped (each wait). */
export const WAIT_MS = 15_000;

/** Longest time faults may go on when `minFaults` is not reached within the duration. */
export function hardLimit(durationMs: number): number {
  return Math.max(durationMs * 3, 60_000);
}

/** How long faults are injected: `LIFELINE_SOAK_MS`, else `fallback`. */
export function soakDuration(fallback: number): number {
  return envNumber("LIFELINE_SOAK_MS") ?? fallback;
}

/** A test timeout that covers a whole soak: the fault phase at its longest plus the final waits. */
export function soakTimeout(fallbackMs: number): number {
  return hardLimit(soakDuration(fallbackMs)) + 4 * WAIT_MS + 30_000;
}

/** The run's seed: the one given, else `LIFELINE_SOAK_SEED`, else a fresh one (printed by the caller). */
export function soakSeed(seed?: number): number {
  return (seed ?? envNumber("LIFELINE_SOAK_SEED") ?? Math.floor(Math.random() * 0x7fff_ffff)) >>> 0;
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

export interface FaultSchedule {
  server: TestServer;
  random: ReturnType<typeof createRandom>;
  kinds: readonly FaultKind[];
  durationMs: number;
  /** Keep injecting past `durationMs` until this many faults went in (bounded by `hardLimit`). */
  minFaults: number;
  /** Awaited before each fault that breaks the line (every kind but `rejectNext`); `false` skips that fault. */
  beforeBreak?: () => Promise<boolean | void>;
  /**
   * `storeLost`: called while the server is down in a restart, to bring it
   * back with a fresh, empty store, as a restarted process with a memory
   * store would.
   */
  loseStore?: () => Promise<void>;
}

export interface FaultFigures {
  faults: number;
  byKind: Record<FaultKind, number>;
}

/** Injects faults from the seeded schedule until the run is long enough; resolves with what went in. */
export async function injectFaults(schedule: FaultSchedule): Promise<FaultFigures> {
  const { server, random, kinds, durationMs, minFaults } = schedule;
  if (kinds.includes("storeLost") && !schedule.loseStore) throw new Error("storeLost needs a loseStore hook");
  const byKind = Object.fromEntries(kinds.map((k) => [k, 0])) as Record<FaultKind, number>;
  let faults = 0;
  const started = Date.now();
  const limit = hardLimit(durationMs);
  while ((Date.now() - started < durationMs || faults < minFaults) && Date.now() - started < limit) {
    await pause(random.int(10, 200));
    const kind = random.pick(kinds);
    if (kind !== "rejectNext" && (await schedule.beforeBreak?.()) === false) continue;
    switch (kind) {
      case "dropAll":
        server.dropAll(random.pick(RECONNECTING_CODES), "chaos");
        break;
      case "terminateAll":
        server.terminateAll();
        break;
      case "freeze":
        // long enough, often, for the client's heartbeat (300 + 300 ms) to give up on the line
        server.freeze();
        await pause(random.int(50, 1_200));
        server.thaw();
        break;
      case "restart":
        await server.restart(random.int(0, 400));
        break;
      case "storeLost": {
        // the store is replaced while nothing is connected: a crash and a cold start
        let swapped: Promise<void> | undefined;
        const onDown = () => (swapped = schedule.loseStore!());
        server.events.once("down", onDown);
        try {
          await server.restart(random.int(0, 400));
        } finally {
          server.events.off("down", onDown);
        }
        await swapped;
        break;
      }
      case "rejectNext":
        server.rejectNext(random.int(1, 4), random.pick([401, 403, 500, 503]));
        break;
    }
    byKind[kind]++;
    faults++;
  }
  return { faults, byKind };
}

/** "dropAll 9, terminateAll 7, …" */
export function describeFaults({ byKind }: FaultFigures): string {
  return Object.entries(byKind)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(", ");
}

/** What sizes a soak run (each soak's own default duration aside). */
export interface SoakOptions {
  /** How long faults are injected. @default LIFELINE_SOAK_MS or the soak's own */
  durationMs?: number;
  /** @default LIFELINE_SOAK_SEED or a fresh one (printed either way) */
  seed?: number;
  /** Keep injecting past `durationMs` until this many faults were injected. @default 50 */
  minFaults?: number;
}

/** A soak's settings from its options and the environment, announced with its seed, and its seeded random source. */
export function startSoak(name: string, options: SoakOptions, fallbackMs: number) {
  const durationMs = options.durationMs ?? soakDuration(fallbackMs);
  const seed = soakSeed(options.seed);
  const minFaults = options.minFaults ?? 50;
  announce(name, seed, durationMs);
  return { durationMs, seed, minFaults, random: createRandom(seed) };
}

/** Prints the seed line every soak starts with, so a failing run can be replayed. */
export function announce(name: string, seed: number, durationMs: number): void {
  report(`${name}: seed ${seed} (replay with LIFELINE_SOAK_SEED=${seed}), ${durationMs} ms`);
}
