// The core's public surface. Opt-in features are entry points of their own:
// @lifeline/client/at-least-once, /request, /share, /websocket, /testing.
export { createClient } from "./core/client.js";
export type { Client, ClientEvents, CloseEvent, MessageType, SendResult, State, StateChange } from "./core/api.js";
export { LifelineError, isLifelineError } from "./core/errors.js";
export type { LifelineErrorCode } from "./core/errors.js";
export { DEFAULTS, jsonCodec } from "./core/options.js";
export { defaultShouldReconnect } from "./core/retry.js";
export type {
  BackoffOptions,
  ClientOptions,
  Clock,
  CloseInfo,
  Codec,
  Feature,
  HeartbeatOptions,
  InferInput,
  InferOutput,
  QueueOptions,
  StandardSchemaV1,
  UrlSource,
  WebSocketConstructor,
  WebSocketLike,
} from "./core/types.js";
