// The protocol core is runtime neutral: the built package, driven through
// connect(), behaves the same in Node, Deno and Bun (the repo's own binaries,
// offline, no permissions beyond reading the package).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const DIR = fileURLToPath(new URL("..", import.meta.url));
const BIN = path.resolve(DIR, "../../node_modules/.bin");
const FIXTURE = path.join(DIR, "test/fixtures/core.mjs");
const DIST = path.join(DIR, "dist/index.js");
const temp = mkdtempSync(path.join(tmpdir(), "lifeline-server-rt-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const env = { PATH: process.env["PATH"] ?? "", HOME: temp, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", DENO_DIR: path.join(temp, "deno") };
const expected = {
  out: ['{"t":"ack","seq":0}', '{"t":"ack","seq":1}', '{"t":"msg","seq":1,"data":{"y":1}}', "close 1001 server closing"],
  got: [["rt", 1, "x"]],
};

describe("the core in every runtime", () => {
  it.each([
    ["node", process.execPath, [FIXTURE, DIST]],
    ["deno", path.join(BIN, "deno"), ["run", "--no-config", "--no-remote", "--no-npm", `--allow-read=${DIR}`, FIXTURE, DIST]],
    ["bun", path.join(BIN, "bun"), ["--no-install", FIXTURE, DIST]],
  ] as const)("%s", async (_name, command, args) => {
    const { stdout, stderr } = await run(command, [...args], { cwd: temp, env, timeout: 30_000 });
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toEqual(expected);
  }, 40_000);
});
