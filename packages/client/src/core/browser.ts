// Browser hints that the line may be back: the `online` event and the page
// becoming visible cut a pending backoff short. Elsewhere nothing is watched
// (and nothing is allocated).
type Target = { addEventListener?(type: string, fn: () => void): void; removeEventListener?(type: string, fn: () => void): void };

const canWatch = (target: Target | undefined): target is Required<Target> =>
  typeof target?.addEventListener === "function" && typeof target.removeEventListener === "function";

/** Calls `hurry` on `online` and when the page becomes visible; returns the function that stops watching. */
export function watchBrowser(hurry: () => void): (() => void) | undefined {
  const win = globalThis as Target & { document?: Target & { visibilityState?: string } };
  const doc = win.document;
  const visible = () => doc?.visibilityState === "visible" && hurry();
  const watched: Array<[Required<Target>, string, () => void]> = [];
  if (canWatch(win)) watched.push([win, "online", hurry]);
  if (canWatch(doc)) watched.push([doc, "visibilitychange", visible]);
  if (watched.length === 0) return undefined;
  for (const [target, type, fn] of watched) target.addEventListener(type, fn);
  return () => {
    for (const [target, type, fn] of watched) target.removeEventListener(type, fn);
  };
}

/** False only where the browser says it is offline. */
export const isOnline = (): boolean => (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine !== false;
