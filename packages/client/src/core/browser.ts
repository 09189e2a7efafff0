// Browser hints that the line may be back: the `online` event and the page
// becoming visible cut a pending backoff short. Where there is no window or
// document (Node, Bun), nothing is watched and nothing is allocated.
type Target = { addEventListener?(type: string, fn: () => void): void; removeEventListener?(type: string, fn: () => void): void };

/** Calls `hurry` on `online` and when the page becomes visible; returns the function that stops watching. */
export function watchBrowser(hurry: () => void): (() => void) | undefined {
  const win = globalThis as Target & { document?: Target & { visibilityState?: string } };
  const doc = win.document;
  if (!win.addEventListener && !doc?.addEventListener) return undefined;
  const visible = () => doc!.visibilityState === "visible" && hurry();
  const each = (method: "addEventListener" | "removeEventListener") => {
    win[method]?.("online", hurry);
    doc?.[method]?.("visibilitychange", visible);
  };
  each("addEventListener");
  return () => each("removeEventListener");
}

/** False only where the browser says it is offline. */
export const isOnline = (): boolean => (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine !== false;
