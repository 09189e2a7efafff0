import { useInsertionEffect, useRef } from "react";

/**
 * A ref that always holds the value of the last committed render, so an event
 * subscription made once can call the newest handler. Updated in an insertion
 * effect: before any layout or passive effect of the commit, and (unlike a
 * layout effect) without a warning when rendered on a server.
 */
export function useLatestRef<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useInsertionEffect(() => {
    ref.current = value;
  });
  return ref;
}
