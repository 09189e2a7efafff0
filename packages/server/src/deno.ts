// The `@lifeline/server/deno` entry point: serve the socket that
// `Deno.upgradeWebSocket(request)` returns.
export { acceptWebSocket } from "./adapters/web.js";
export type { WebSocketLike } from "./adapters/web.js";
