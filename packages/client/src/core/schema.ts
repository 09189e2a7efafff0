// Standard Schema v1 (standardschema.dev): the SDK accepts zod 4, zod/mini,
// valibot or arktype without importing any. The types live in types.ts.
import type { StandardIssue, StandardSchemaV1 } from "./types.js";

/** The schema used when none is given: every value passes as it is, so the pipeline has no branch for "no schema". */
export const IDENTITY: StandardSchemaV1 = { "~standard": { version: 1, vendor: "lifeline", validate: (value) => ({ value }) } };

/** Formats issues as `path: message; …` for error messages. */
export function describeIssues(issues: ReadonlyArray<StandardIssue>): string {
  return issues
    .map(({ path, message }) => (path?.length ? `${path.map((p) => String(typeof p === "object" ? p.key : p)).join(".")}: ${message}` : message))
    .join("; ");
}
