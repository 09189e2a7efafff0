import { LifelineError } from "@lifeline/client";
import type { Client } from "@lifeline/client";
import { createContext, createElement, useContext } from "react";
import type { ReactElement, ReactNode } from "react";

const LifelineContext = /* @__PURE__ */ createContext<Client<any, any> | null>(null);

/** Props of {@link LifelineProvider}. */
export interface LifelineProviderProps {
  /** The client the components below get from {@link useLifeline}. */
  readonly client: Client<any, any>;
  readonly children?: ReactNode;
}

/**
 * Hands one client to every component below it, so one connection serves a
 * whole tree. It does not own the client: create it with {@link useClient} in
 * the component that renders the provider, or outside React.
 *
 * @example
 * function App() {
 *   const client = useClient(() => ({ url, incoming: Incoming }));
 *   return <LifelineProvider client={client}><Chat /></LifelineProvider>;
 * }
 */
export function LifelineProvider({ client, children }: LifelineProviderProps): ReactElement {
  return createElement(LifelineContext.Provider, { value: client }, children);
}

/**
 * The client of the nearest {@link LifelineProvider}. Name its type to get
 * typed messages back: `useLifeline<ChatClient>()`. Throws a `LifelineError`
 * (`INVALID_OPTIONS`) when there is no provider above.
 *
 * @example
 * type ChatClient = Client<z.infer<typeof Incoming>, Outgoing>;
 * const client = useLifeline<ChatClient>();
 */
export function useLifeline<C extends Client<any, any> = Client>(): C {
  const client = useContext(LifelineContext);
  if (client === null) {
    throw new LifelineError("INVALID_OPTIONS", "useLifeline() found no client: render it inside <LifelineProvider client={…}>");
  }
  return client as C;
}
