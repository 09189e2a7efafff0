// Standard Schema v1 (standardschema.dev): the SDK accepts zod 4, zod/mini,
// valibot or arktype without importing any. The types live in types.ts.
import type { StandardIssue, StandardSchemaV1 } from "./types.js";

/** The schema used when none is given: every value passes as it is, so the pipeline has no branch for "no schema". */
export const IDENTITY: StandardSchemaV1 = { "~standard": { version: 1, vendor: "lifeline", validate: (value) => ({ value }) } };

/**
 * An invalid message's error message: in development every issue with its
 * path (`text: Required; n: Expected number`), in production the first
 * issue's message (the issues themselves are the error's cause either way).
 */
export function issuesMessage(issues: ReadonlyArray<StandardIssue>): string {
  return (typeof process < "u" && typeof Deno > "u" ? process.env.NODE_ENV : "production") !== "production"
    ? `the message does not match its schema: ${issues
        .map(({ path, message }) => (path?.length ? `${path.map((p) => String(typeof p === "object" ? p.key : p)).join(".")}: ${message}` : message))
        .join("; ")}`
    : String(issues[0]?.message);
}
