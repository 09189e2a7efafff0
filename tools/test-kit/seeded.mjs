// A small seeded pseudo-random generator (mulberry32), for tests, soaks and
// simulations that must replay exactly from their seed. Plain ESM so the
// bench's Node scripts import it as well as the TypeScript tests
// (types in seeded.d.mts).

/**
 * mulberry32: a generator of numbers in [0, 1), the same sequence for the
 * same seed. Small and fast; good enough for jitter and schedules, not for
 * anything secret.
 * @param {number} seed
 * @returns {() => number}
 */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
