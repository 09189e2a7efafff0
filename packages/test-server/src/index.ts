export { startServer } from "./server.js";
export type { ReceivedMessage, ServerEvents, ServerState, TestServer } from "./types.js";
export type {
  HeartbeatOption,
  MessageContext,
  OutgoingData,
  ServerMode,
  ServerOptions,
  TlsOptions,
} from "./options.js";
export { generateTestCertificates } from "./certs.js";
export type { TestCertificates } from "./certs.js";
export { createDelivery } from "./delivery.js";
export type { DeliveredMessage, Delivery, DeliveryConnection, DeliveryOptions } from "./delivery.js";
export { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium.js";
