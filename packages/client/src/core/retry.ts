// When and how soon to try again: the backoff schedule, the default
// reconnect policy, and the delay a server can advise. Pure functions, so
// each is unit-tested alone and any can be replaced by an option.
import type { CloseInfo, ResolvedBackoff } from "./types.js";

/** The upper bound of the n-th retry's delay (n ≥ 1): `min(max, initial·factorⁿ⁻¹)`. */
export function backoffCap(backoff: ResolvedBackoff, retry: number): number {
  return Math.min(backoff.max, backoff.initial * backoff.factor ** (retry - 1));
}

/**
 * The delay before the n-th retry. `random()` is in [0, 1).
 * full: uniform in [0, cap]; equal: cap/2 + uniform in [0, cap/2]; none: cap.
 */
export function backoffDelay(backoff: ResolvedBackoff, retry: number, random: () => number): number {
  const cap = backoffCap(backoff, retry);
  const { jitter } = backoff;
  return jitter === "none" ? cap : Math.round(jitter === "full" ? random() * cap : cap / 2 + (random() * cap) / 2);
}

/**
 * The default `shouldReconnect`: reconnect after any close except protocol
 * error (1002), unsupported data (1003), invalid payload (1007), policy
 * violation (1008), message too big (1009), missing extension (1010) and the
 * application's "client error" range 4400–4499: retrying the same thing
 * cannot fix those. 1000 does reconnect: proxies and deploys close with it.
 */
export function defaultShouldReconnect({ code }: CloseInfo): boolean {
  return !((code >= 1002 && code <= 1010 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 4400 && code <= 4499));
}

/**
 * Server-advised backoff: a close with 1013 ("try again later") whose reason
 * is `{"retryAfter": ms}` asks the client to wait at least that long.
 */
export function advisedDelay({ code, reason }: CloseInfo): number {
  if (code !== 1013) return 0;
  try {
    const ms = (JSON.parse(reason) as { retryAfter?: unknown } | null)?.retryAfter;
    return typeof ms === "number" && ms > 0 && ms < Infinity ? ms : 0;
  } catch {
    return 0;
  }
}

// The two errors of retrying are made where they happen (connection.ts's lost(): as functions of their own
// they cost bytes in every build); their long messages, for development builds only, are written here.

/** Development builds: the message of an attempt that did not open (`CONNECT_TIMEOUT` or `CONNECT_FAILED`); `where`: the url without its secrets. */
export function attemptFailed(reason: string, where: string, connectTimeout: number, attempt: number): string {
  return `${reason === "connect timeout" ? `not open after ${connectTimeout} ms` : "could not connect"}: ${where}, attempt ${attempt}`;
}

/** Development builds: the message of `GAVE_UP` (`opened()` rejects with it): how many attempts, and the last close. */
export function gaveUp(attempts: number, code: number, reason: string): string {
  return `gave up after ${attempts} attempt${attempts > 1 ? "s" : ""}; last close ${code}${reason ? ` "${reason}"` : ""}`;
}
