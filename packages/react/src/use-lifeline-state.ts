import type { Client, State } from "@lifeline/client";
import { useCallback, useSyncExternalStore } from "react";

/** What a server render shows: nothing connects there. */
const serverState = (): State => "idle";

/**
 * The client's state (`"idle" | "connecting" | "open" | "reconnecting" |
 * "closed"`), re-rendering on every change. Built on `useSyncExternalStore`,
 * so concurrent renders never tear; a server render (and hydration) reads
 * `"idle"`. Works with any client, made by {@link useClient} or outside React.
 *
 * @example
 * const state = useLifelineState(client);
 * return <span className={`badge ${state}`}>{state}</span>;
 */
export function useLifelineState(client: Client<any, any>): State {
  const subscribe = useCallback((onChange: () => void) => client.on("state", onChange), [client]);
  return useSyncExternalStore(subscribe, () => client.state, serverState);
}
