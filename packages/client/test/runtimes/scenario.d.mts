// Types for scenario.mjs, which stays plain JS so every runtime loads it as is.

export interface StepResult {
  id: string;
  ok: boolean;
  ms: number;
  detail?: Record<string, unknown>;
  error?: string;
}

export interface Step {
  id: string;
  title: string;
  /** Needs `platform.setOffline` (a browser page). */
  browser?: boolean;
}

export declare const STEPS: readonly Step[];

export type ServerControl = (fault: string, body?: Record<string, unknown>) => Promise<any>;

export declare function httpControl(httpUrl: string): ServerControl;

export interface Platform {
  setOffline?(offline: boolean): Promise<void>;
  serverState?(): Promise<{ connections: number; clients: number }>;
  dropAll?(): Promise<void>;
}

export declare function runScenario(options: {
  createClient: (options: any) => any;
  serverControl: ServerControl;
  url: string;
  z: unknown;
  log?: (result: StepResult) => void;
  platform?: Platform;
}): Promise<StepResult[]>;
