/**
 * One connection for every tab of an origin, as an opt-in feature:
 * `createClient({ url, share: acrossTabs({ name: "chat" }) })`.
 *
 * The clients that share a `name` elect a leader with the Web Locks API;
 * only the leader holds a WebSocket. The others relay through a
 * `BroadcastChannel`: `send()` from any tab goes out once, in that tab's
 * order; every incoming message reaches every tab's handlers (validated by
 * each tab's own schema); a `request()` reply reaches only the tab that
 * asked; `state`, `latency` and `pending` follow the shared line. When the
 * leader tab closes or crashes another tab takes over and resends what the
 * old leader had not confirmed (with `atLeastOnce()`, under the same
 * session and seqs, so the server drops what it had). Where Web Locks or BroadcastChannel are
 * missing (Node, Deno, Bun, old browsers) the client keeps its own socket.
 * See docs/sharing.md.
 *
 * @example
 * import { createClient } from "@lifeline/client";
 * import { acrossTabs } from "@lifeline/client/share";
 *
 * const client = createClient({
 *   url: "wss://chat.example.com/ws",
 *   share: acrossTabs({ name: "chat", onRole: (role) => (badge.textContent = role) }),
 * });
 */
import { invalidOption, show } from "../core/errors.js";
import type { Feature } from "../core/types.js";
import type { LockManagerLike } from "./election.js";
import { joinTabs } from "./tabs.js";
import type { Role } from "./tabs.js";
import type { ChannelConstructor } from "./wire.js";

export type { Role } from "./tabs.js";
export type { LockManagerLike } from "./election.js";
export type { ChannelConstructor, ChannelLike } from "./wire.js";

export interface AcrossTabsOptions {
  /** Clients of one origin with the same name share one connection (lock and channel `lifeline:<name>`). */
  name: string;
  /** Called when this tab's part changes: `"leader"`, `"follower"`, or `"solo"` where nothing is shared. */
  onRole?: (role: Role) => void;
  /** The Web Locks manager. @default globalThis.navigator.locks */
  locks?: LockManagerLike;
  /** The `BroadcastChannel` constructor. @default globalThis.BroadcastChannel */
  BroadcastChannel?: ChannelConstructor;
}

/**
 * Shares one connection between the tabs of an origin. Without Web Locks or
 * `BroadcastChannel` it does nothing (the client keeps its own socket, and
 * `onRole` hears `"solo"`). With `atLeastOnce()` the server sees one
 * session that moves with the leadership, so resends after a takeover are
 * de-duplicated there: nothing lost, nothing delivered twice.
 */
export function acrossTabs(options: AcrossTabsOptions): Feature {
  const { name, onRole } = (options ?? {}) as Partial<AcrossTabsOptions>;
  const bad = typeof name !== "string" || name === "" ? "name" : onRole !== undefined && typeof onRole !== "function" ? "onRole" : "";
  if (bad) {
    throw invalidOption(
      `acrossTabs ${bad} ${
        (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production"
          ? `must be ${bad === "name" ? "a non-empty string" : "a function"}, got `
          : ""
      }${show(bad === "name" ? name : onRole)}`,
    );
  }
  const locks = options.locks ?? (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  const Channel = options.BroadcastChannel ?? (globalThis as unknown as { BroadcastChannel?: ChannelConstructor }).BroadcastChannel;
  return (line) => {
    if (typeof locks?.request !== "function" || typeof Channel !== "function") {
      return { start: () => onRole?.("solo") };
    }
    return joinTabs(line, { name: name!, locks, Channel, onRole });
  };
}
