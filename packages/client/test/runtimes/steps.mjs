// What the scenarios' steps (runtimes/scenario.mjs, websocket/scenario.mjs)
// share: a step's own failure, its checks, bounded waits, and the test
// server's HTTP control. Plain ESM with no imports, so every runtime (Node,
// Deno, Bun, a Chromium page) loads it unchanged next to its scenario.

/** A step's check failed: its message says what, without a stack. */
export class StepFailure extends Error {}

/** Fails the step with `message` unless `condition`. */
export function check(condition, message) {
  if (!condition) throw new StepFailure(message);
}

/** Fails the step unless `actual` and `expected` are the same as JSON. */
export function same(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: expected ${e}, got ${a}`);
}

/** `promise`, or a StepFailure saying what did not happen once `ms` passed. */
export function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new StepFailure(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * `serverControl` over the test server's HTTP control endpoint: POST
 * /control/<fault> with `body` resolves to the server's state after it;
 * "state" is a GET of that state.
 */
export function httpControl(httpUrl) {
  return async function serverControl(fault, body = {}) {
    const init =
      fault === "state" ? { method: "GET" } : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
    const res = await fetch(`${httpUrl}/control/${fault}`, init);
    const json = await res.json();
    if (!res.ok) throw new Error(`control ${fault} answered ${res.status}: ${JSON.stringify(json)}`);
    return fault === "state" ? json : json.state;
  };
}
