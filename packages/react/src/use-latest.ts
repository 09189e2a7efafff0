import type { Client, MessageType } from "@lifeline/client";
import { useMemo, useSyncExternalStore } from "react";

const nothing = (): undefined => undefined;

/**
 * The last message received since the calling component mounted (of `type`,
 * when given), or `undefined`. For state that only needs its newest value
 * (presence, a price): a burst re-renders with the last one. To see every
 * message, use {@link useMessages} or {@link useOnType}.
 *
 * @example
 * const presence = useLatest(client, "presence"); // { type: "presence"; users: string[] } | undefined
 */
export function useLatest<In>(client: Client<In, any>): In | undefined;
// `const T`: keeps the literal type ("chat") while `In` is still being inferred from `client`
export function useLatest<In, const T extends MessageType<In>>(client: Client<In, any>, type: T): Extract<In, { readonly type: T }> | undefined;
export function useLatest(client: Client<any, any>, type?: string | number): unknown {
  const store = useMemo(() => {
    let last: unknown;
    const keep = (onChange: () => void) => (message: unknown) => {
      last = message;
      onChange();
    };
    return {
      subscribe: (onChange: () => void) =>
        type === undefined ? client.on("message", keep(onChange)) : client.onType(type as never, keep(onChange)),
      get: () => last,
    };
  }, [client, type]);
  return useSyncExternalStore(store.subscribe, store.get, nothing);
}
