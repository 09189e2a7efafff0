import type { Client } from "@lifeline/client";
import { useEffect } from "react";
import { useLatestRef } from "./latest-ref.js";

/**
 * Calls `handler` for every valid incoming message, one call per message and
 * in order: the client calls it directly, so a burst is never folded into one
 * render. The newest `handler` is always the one called, and a new function
 * on every render neither re-subscribes nor reconnects.
 *
 * @example
 * const [lines, setLines] = useState<string[]>([]);
 * useMessages(client, (msg) => setLines((all) => [...all, JSON.stringify(msg)]));
 */
export function useMessages<In>(client: Client<In, any>, handler: (message: In) => void): void {
  const latest = useLatestRef(handler);
  useEffect(() => client.on("message", (message) => latest.current(message)), [client, latest]);
}
