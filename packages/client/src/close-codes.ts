import type { CloseInfo } from "./options.js";

// Close codes that say "your request is wrong": retrying the same thing
// cannot succeed, so the default policy stops instead of hammering.
const FATAL = new Set([1002, 1003, 1007, 1008, 1009, 1010]);

/**
 * The default `shouldReconnect`: reconnect after any close except protocol
 * error (1002), unsupported data (1003), invalid payload (1007), policy
 * violation (1008), message too big (1009), missing extension (1010) and the
 * application's "client error" range 4400–4499. 1000 does reconnect: proxies
 * and deploys close with it.
 */
export function defaultShouldReconnect(close: CloseInfo): boolean {
  return !(FATAL.has(close.code) || (close.code >= 4400 && close.code <= 4499));
}
