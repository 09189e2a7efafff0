// URLs: checked and normalised before dialling, and shown in messages only
// with their credentials and query masked (tokens travel there).
import { LifelineError, show } from "./errors.js";

/** Masks credentials and the query so a URL can appear in a message without leaking tokens. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = "***";
      parsed.password = "";
    }
    if (parsed.search) parsed.search = "?***";
    return parsed.href;
  } catch {
    return url === "" ? '""' : "<unparsable url>";
  }
}

/** `text` with `url`, its credentials and its query masked: for a runtime's error that quotes the URL. */
export function redactIn(text: string, url: string): string {
  const { username, password, search } = new URL(url);
  let out = text.split(url).join(redactUrl(url));
  if (username || password) out = out.split(`${username}${password ? `:${password}` : ""}@`).join("***@");
  return search ? out.split(search).join("?***") : out;
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
  const given = typeof href === "string" ? `${parsed ? `${parsed.protocol} ` : ""}${redactUrl(href)}` : show(value);
  throw new LifelineError(code, (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production" ? `url must be a ws: or wss: URL, got ${given}` : `url ${given}`);
}
