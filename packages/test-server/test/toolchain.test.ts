import { expect, test } from "vitest";

// npm scripts resolve `node` from node_modules/.bin, where the pinned `node`
// package puts Node 22, whatever Node the machine itself has.
test("the tests run on the repo's pinned Node 22", () => {
  expect(process.versions.node.startsWith("22.")).toBe(true);
});
