// URLs: checked and normalised before dialling, and shown in messages only
// with their credentials and query masked (tokens travel there).
import { LifelineError, show } from "./errors.js";

/**
 * `text` (by default `url` itself) with credentials and queries masked, so a
 * URL, or a runtime's error that quotes it or pieces of it, can appear in a
 * message without leaking tokens: whatever ends in `@` up to a space or `/`
 * (`user:password@`, as a parsed URL writes it: a space, `/` or `@` in them
 * is percent-encoded) becomes `***@`, and a `?` and what follows up to a
 * space or `#` becomes `?***`.
 */
export function redact(url: string, text = url): string {
  return text.replace(/[^\s/]*@/g, "***@").replace(/\?[^\s#]+/g, "?***");
}

/**
 * Checks a URL and returns it as a `ws:`/`wss:` string (`http:`/`https:`
 * become `ws:`/`wss:`). Throws with `code`: INVALID_OPTIONS at createClient,
 * URL_ERROR for what a url function returned.
 */
export function checkUrl(value: unknown, code: "INVALID_OPTIONS" | "URL_ERROR" = "INVALID_OPTIONS"): string {
  const href = typeof value === "string" ? value : (value as { href?: unknown } | null | undefined)?.href;
  let url: URL | undefined;
  try {
    url = new URL(href as string);
    url.protocol = url.protocol.replace("http", "ws");
    if (url.protocol === "ws:" || url.protocol === "wss:") return url.href;
  } catch {
    // no `cause`: URL's TypeError carries the raw input (credentials, tokens) in its `input` field
  }
  // the URL as parsed (credentials percent-encoded, so masked whole); an unparsable string is not shown
  const given = url ? redact(url.href) : typeof href === "string" && href ? "***" : show(value);
  throw new LifelineError(code, (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `url must be a ws: or wss: URL, got ${url ? `${url.protocol} ` : ""}${given}` : `url ${given}`);
}
