// The `@lifeline/server/bun` entry point: handlers for `Bun.serve({ websocket })`.
export { bunWebSocket } from "./adapters/bun.js";
export type { BunSocket, BunWebSocketHandlers } from "./adapters/bun.js";
