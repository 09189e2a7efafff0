// One accepted WebSocket and the per-connection state the concerns share:
// its outgoing queue (delay/freeze), heartbeat deadline, and frames held by a freeze.
import type { RawData, WebSocket } from "ws";

export interface Outgoing {
  data: string | Buffer;
  binary: boolean;
  /** `performance.now()` time at which the frame may be written. */
  due: number;
  onWritten: (() => void) | undefined;
}

export interface Connection {
  readonly id: number;
  readonly ws: WebSocket;
  /** Frames waiting for their delay to pass or for `thaw()`. */
  readonly outbox: Outgoing[];
  flushTimer: NodeJS.Timeout | undefined;
  /** Heartbeat: terminate unless something is heard before it fires. */
  deadline: NodeJS.Timeout | undefined;
  /** Frames ws had already parsed when `freeze()` paused the socket. */
  readonly heldIncoming: Array<{ data: RawData; isBinary: boolean }>;
}

/** Whether the line is usable: shared by the concerns, changed by faults and shutdown. */
export interface LineState {
  /** `freeze()`: nothing read or written, upgrades held. */
  frozen: boolean;
  /** `restart()` in progress: the listener is closed. */
  down: boolean;
  /** `close()` called. */
  closed: boolean;
}
