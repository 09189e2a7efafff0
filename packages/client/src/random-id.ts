// Session ids (and tab ids) from the platform's cryptographic random source
// (`crypto.getRandomValues`, in browsers, Node, Deno and Bun alike): 16
// bytes, base64url, 22 characters. Never Math.random or the client's
// `random` option, which tests pin: an id someone can guess is a session
// someone else can read.
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
