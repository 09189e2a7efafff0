import type { Client, MessageType } from "@lifeline/client";
import { useEffect } from "react";
import { useLatestRef } from "./latest-ref.js";

/**
 * Like {@link useMessages} for the messages whose `type` is `type`, narrowed
 * to that member of the `incoming` schema's union. Every message reaches the
 * newest `handler`, in order; changing `handler` does not re-subscribe,
 * changing `type` does.
 *
 * @example
 * useOnType(client, "chat", (msg) => append(msg.text)); // msg: { type: "chat"; text: string }
 */
// `const T`: keeps the literal type ("chat") while `In` is still being inferred from `client`
export function useOnType<In, const T extends MessageType<In>>(
  client: Client<In, any>,
  type: T,
  handler: (message: Extract<In, { readonly type: T }>) => void,
): void {
  const latest = useLatestRef(handler);
  useEffect(() => client.onType(type, (message) => latest.current(message)), [client, type, latest]);
}
