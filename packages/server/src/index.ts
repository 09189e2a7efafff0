export { createLifelineServer } from "./server.js";
export type { LifelineServer, ServerStats } from "./api.js";
export type {
  ErrorContext,
  LifelineServerOptions,
  Limits,
  MessageContext,
  SendOptions,
  SendResult,
  SendToUserResult,
  SessionContext,
} from "./options.js";
export { memoryStore } from "./memory-store.js";
export type { MemoryStore, MemoryStoreOptions } from "./memory-store.js";
export type {
  AppendResult,
  AttachOwner,
  AttachResult,
  Entry,
  Fence,
  FencedResult,
  ResetReason,
  SessionInfo,
  Store,
  StoreEvent,
} from "./store.js";
export type { ConnectOptions, ProtocolConnection, Transport } from "./transport.js";
export type { Connector, NodeWebSocket } from "./adapters/ws.js";
export { CLOSE } from "./close-codes.js";
export type { PublishResult } from "./topics/hub.js";
export type { CanSubscribe, SubscribeContext, TopicsOptions } from "./topics/options.js";
export type {
  GapReason,
  HistoryLimits,
  HistoryRead,
  Publication,
  TopicHistory,
  TopicListener,
  TopicPosition,
} from "./topics/history.js";
