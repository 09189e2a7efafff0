// The core's public surface. Opt-in features are entry points of their own:
// @lifeline/client/at-least-once, /request, /share, /websocket, /testing.
export { createClient } from "./core/client.js";
export type { Client, ClientEvents, CloseEvent, MessageType, SendResult, StateChange } from "./core/client.js";
export { LifelineError, isLifelineError } from "./core/errors.js";
export type { LifelineErrorCode } from "./core/errors.js";
export { DEFAULTS, jsonCodec } from "./core/options.js";
export type {
  BackoffOptions,
  ClientOptions,
  Clock,
  CloseInfo,
  Codec,
  Feature,
  HeartbeatOptions,
  QueueOptions,
  UrlSource,
  WebSocketConstructor,
  WebSocketLike,
} from "./core/options.js";
export { defaultShouldReconnect } from "./core/retry.js";
export type { InferInput, InferOutput, StandardSchemaV1 } from "./core/schema.js";
export type { State } from "./core/phases.js";
