import type { Client } from "@lifeline/client";
import { useCallback, useSyncExternalStore } from "react";

const serverLatency = (): number | undefined => undefined;

/**
 * The last heartbeat round trip in ms (`client.latency`), re-rendering on
 * every pong; `undefined` before the first one, on the server, and when the
 * heartbeat is off.
 *
 * @example
 * const rtt = useLatency(client);
 * return <small>{rtt === undefined ? "–" : `${rtt} ms`}</small>;
 */
export function useLatency(client: Client<any, any>): number | undefined {
  const subscribe = useCallback((onChange: () => void) => client.on("heartbeat", onChange), [client]);
  return useSyncExternalStore(subscribe, () => client.latency, serverLatency);
}
