export { createClient } from "./client.js";
export type {
  Client,
  ClientEvents,
  CloseEvent,
  MessageType,
  RequestOptions,
  SendResult,
  StateChange,
} from "./client.js";
export { defaultShouldReconnect } from "./close-codes.js";
export { LifelineError, isLifelineError } from "./errors.js";
export type { LifelineErrorCode } from "./errors.js";
export { DEFAULTS, jsonCodec } from "./options.js";
export type {
  BackoffOptions,
  ClientOptions,
  Clock,
  CloseInfo,
  Codec,
  HeartbeatOptions,
  QueueOptions,
  UrlSource,
  WebSocketConstructor,
  WebSocketLike,
} from "./options.js";
export type { InferInput, InferOutput, StandardSchemaV1 } from "./schema.js";
export type { State } from "./state.js";
