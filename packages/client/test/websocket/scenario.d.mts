export declare const WS_STEPS: ReadonlyArray<{ id: string; browser?: boolean }>;
export { httpControl } from "../runtimes/scenario.mjs";
export declare function runWebSocketScenario(options: {
  LifelineWebSocket: unknown;
  url: string;
  control: (fault: string, body?: Record<string, unknown>) => Promise<void>;
  log: (step: { id: string; ok: boolean; error?: string; detail?: unknown }) => void;
}): Promise<void>;
