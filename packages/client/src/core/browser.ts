// Browser hints that the line may be back: the `online` event and the page
// becoming visible cut a pending backoff short. The client's one callback
// listens to them (attempts.ts), so watching allocates nothing; where there
// is no window or document (Node), nothing is watched. What an event means
// (`online`, `visibilitychange` to visible), and `navigator.onLine`, are read
// in connection.ts.
type Target = { addEventListener?(type: string, fn: (event: any) => void): void; removeEventListener?(type: string, fn: (event: any) => void): void };

/** The global object as a browser has it (window, document, navigator); elsewhere those are missing. */
export const browser = globalThis as Target & { document?: Target & { visibilityState?: string }; navigator?: { onLine?: boolean } };

/** Adds (or removes) `listener` for `online` on the window and `visibilitychange` on the document. */
export function watchBrowser(method: "addEventListener" | "removeEventListener", listener: (event: any) => void): void {
  browser[method]?.("online", listener);
  browser.document?.[method]?.("visibilitychange", listener);
}
