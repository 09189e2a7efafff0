import type { ResolvedBackoff } from "./options.js";

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
  switch (backoff.jitter) {
    case "none":
      return cap;
    case "full":
      return Math.round(random() * cap);
    case "equal":
      return Math.round(cap / 2 + (random() * cap) / 2);
  }
}
