// The listener registry of the fake WebSocket of the testing kit: it takes
// function or `handleEvent` listeners, as a platform WebSocket does. (A
// follower's relay, a socket only the core listens to, keeps one listener
// per type: share/relay.ts.) Plain functions over a map, so a bundle keeps
// only the ones it calls.

/** A listener as `addEventListener` takes it. */
export type Listener = ((event: any) => void) | { handleEvent(event: any): void };

/** Listeners by event type. */
export type Listeners = Map<string, Set<Listener>>;

export function addListener(listeners: Listeners, type: string, listener: Listener): void {
  let set = listeners.get(type);
  if (!set) listeners.set(type, (set = new Set()));
  set.add(listener);
}

/** Calls the listeners of `event.type` registered when it starts (one added or removed meanwhile does not change this dispatch). */
export function dispatch(listeners: Listeners, event: { readonly type: string; readonly [key: string]: unknown }): void {
  for (const listener of [...(listeners.get(event.type) ?? [])]) {
    if (typeof listener === "function") listener(event);
    else listener.handleEvent(event);
  }
}
