export { useClient, CLOSE_GRACE_MS } from "./use-client.js";
export { useLifelineState } from "./use-lifeline-state.js";
export { useMessages } from "./use-messages.js";
export { useOnType } from "./use-on-type.js";
export { useLatest } from "./use-latest.js";
export { useLatency } from "./use-latency.js";
export { LifelineProvider, useLifeline } from "./context.js";
export type { LifelineProviderProps } from "./context.js";
