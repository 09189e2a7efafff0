// The `@lifeline/server/cloudflare` entry point: serve lifeline from a
// Durable Object (hibernatable WebSockets, sessions in the object's storage).
export { durableObjectLifeline } from "./cloudflare/durable-object.js";
export type {
  DurableObjectLifeline,
  DurableObjectLifelineOptions,
  DurableObjectStateLike,
  HibernatableWebSocket,
} from "./cloudflare/durable-object.js";
export { durableObjectStore } from "./cloudflare/storage-store.js";
export type { DurableObjectStorageLike, DurableObjectStore, DurableObjectStoreOptions } from "./cloudflare/storage-store.js";
