// @lifeline/client/websocket: a drop-in, reconnecting WebSocket class.
export { LifelineWebSocket } from "./socket.js";
export type { LifelineCloseEvent, LifelineErrorEvent, LifelineMessageEvent, LifelineWebSocketEventMap } from "./events.js";
export type { LifelineWebSocketOptions, ProtocolsProvider, UrlProvider } from "./options.js";
