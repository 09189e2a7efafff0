// Browser hints that the line may be back: the `online` event and the page
// becoming visible cut a pending backoff short. The client's one callback
// listens to them (attempts.ts), so watching allocates nothing; where there
// is no window or document (Node), nothing is watched.
type Target = { addEventListener?(type: string, fn: (event: any) => void): void; removeEventListener?(type: string, fn: (event: any) => void): void };

const win = globalThis as Target & { document?: Target & { visibilityState?: string }; navigator?: { onLine?: boolean } };

/** Adds (or removes) `listener` for `online` on the window and `visibilitychange` on the document. */
export function watchBrowser(method: "addEventListener" | "removeEventListener", listener: (event: any) => void): void {
  win[method]?.("online", listener);
  win.document?.[method]?.("visibilitychange", listener);
}

/** Whether an event of that type says the line may be back: `online`, or the page became visible. */
export const isHint = (type: string): boolean => type === "online" || (type === "visibilitychange" && win.document?.visibilityState === "visible");

/** False only where the browser says it is offline. */
export const isOnline = (): boolean => win.navigator?.onLine !== false;
