// Frames pass through LifelineWebSocket untouched: this codec hands lifeline's
// core what send() got and gives back what the socket received, and
// bufferedAmount counts the bytes of what waits in the queue.
import type { Codec } from "../index.js";

const BINARY_TAGS = /* @__PURE__ */ new Set(["[object ArrayBuffer]", "[object SharedArrayBuffer]", "[object Blob]", "[object File]"]);

/** Strings, buffers, views and Blobs as they are; anything else as `String(value)`, as the platform's `send()` converts it. */
export const passThrough: Codec = {
  encode: (data) =>
    typeof data === "string" || ArrayBuffer.isView(data) || BINARY_TAGS.has(Object.prototype.toString.call(data))
      ? (data as string | ArrayBuffer | Uint8Array)
      : String(data),
  decode: (data) => data,
};

/** Bytes a frame takes on the wire (UTF-8 for text), as `bufferedAmount` counts them. */
export function byteLength(data: unknown): number {
  if (typeof data === "string") {
    let bytes = 0;
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < data.length && (data.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        bytes += 4; // a surrogate pair: one code point
        i++;
      } else bytes += 3;
    }
    return bytes;
  }
  const sized = data as { byteLength?: unknown; size?: unknown } | null;
  if (typeof sized?.byteLength === "number") return sized.byteLength;
  if (typeof sized?.size === "number") return sized.size;
  return 0;
}
