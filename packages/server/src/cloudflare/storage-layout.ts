// How durableObjectStore (storage-store.ts) lays its sessions out in a
// Durable Object's storage: one key per session's record, one per message
// not yet acknowledged (its seq zero-padded, so that `list` returns them in
// order), and one per live session of a named user (that user's index).
// Each key holds the id's length before the id, so that no session's keys
// are a prefix of another's. Also the storage calls the store makes from
// several methods: deletes in batches the API takes, the alarm brought
// forward to an expiry.

/** The part of `DurableObjectStorage` the store uses. */
export interface DurableObjectStorageLike {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put<T>(entries: Record<string, T>): Promise<void>;
  delete(keys: string[]): Promise<number>;
  list<T = unknown>(options?: { prefix?: string; start?: string; limit?: number }): Promise<Map<string, T>>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
}

/** Keys per `delete` call: the storage API takes at most 128. */
const DELETE_BATCH = 128;

/** What every record's key starts with. */
export const RECORD_PREFIX = "s:";
/** The key of a session's record. */
export const recordKey = (session: string): string => `${RECORD_PREFIX}${session.length}:${session}`;
/** The session whose record `key` is. */
export const sessionOfRecord = (key: string): string => key.slice(key.indexOf(":", RECORD_PREFIX.length) + 1);
/** What the keys of a session's messages start with. */
export const entryPrefix = (session: string): string => `e:${session.length}:${session}:`;
export const entryKey = (session: string, seq: number): string => entryPrefix(session) + String(seq).padStart(16, "0");
/** The seq of the message stored under `key`. */
export const seqOfEntry = (key: string): number => Number(key.slice(key.lastIndexOf(":") + 1));
/** What the keys of a named user's index start with: one key per live session of theirs. */
export const userPrefix = (user: string): string => `u:${user.length}:${user}:`;

/** Deletes `keys`, in batches the storage API takes. */
export async function deleteKeys(storage: DurableObjectStorageLike, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_BATCH) await storage.delete(keys.slice(i, i + DELETE_BATCH));
}

/** Deletes every stored message of `session`. */
export async function deleteEntries(storage: DurableObjectStorageLike, session: string): Promise<void> {
  for (;;) {
    const keys = [...(await storage.list({ prefix: entryPrefix(session), limit: DELETE_BATCH })).keys()];
    if (keys.length === 0) return;
    await deleteKeys(storage, keys);
  }
}

/** Makes sure the alarm rings by `at` (it sweeps expired sessions). */
export async function alarmBy(storage: DurableObjectStorageLike, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}
