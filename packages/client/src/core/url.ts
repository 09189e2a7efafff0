// URLs: checked and normalised before dialling, and shown in messages only
// with their credentials and query masked (tokens travel there).
import { LifelineError, show } from "./errors.js";

/**
 * `text` (by default the url itself) with the url's credentials and query
 * masked, so a URL, or a runtime's error that quotes it or pieces of it, can
 * appear in a message without leaking tokens. An unparsable url gives a
 * placeholder (`""` stays `""`).
 */
export function redact(url: string, text?: string): string {
  try {
    const { username, password, search, href } = new URL(url);
    text ??= href;
    if (username || password) text = text.split(`${username}${password ? `:${password}` : ""}@`).join("***@");
    return search ? text.split(search).join("?***") : text;
  } catch {
    return url === "" ? '""' : "<unparsable url>";
  }
}

/**
 * Checks a URL and returns it as a `ws:`/`wss:` string (`http:`/`https:`
 * become `ws:`/`wss:`). Throws with `code`: INVALID_OPTIONS at createClient,
 * URL_ERROR for what a url function returned.
 */
export function checkUrl(value: unknown, code: "INVALID_OPTIONS" | "URL_ERROR" = "INVALID_OPTIONS"): string {
  const href = typeof value === "string" ? value : (value as { href?: unknown } | null | undefined)?.href;
  let parsed: URL | undefined;
  try {
    parsed = new URL(href as string);
  } catch {
    // no `cause`: URL's TypeError carries the raw input (credentials, tokens) in its `input` field
  }
  const protocol = parsed?.protocol.replace(/^http/, "ws");
  if (protocol === "ws:" || protocol === "wss:") {
    parsed!.protocol = protocol;
    return parsed!.href;
  }
  const given = typeof href === "string" ? `${parsed ? `${parsed.protocol} ` : ""}${redact(href)}` : show(value);
  throw new LifelineError(code, (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `url must be a ws: or wss: URL, got ${given}` : `url ${given}`);
}
