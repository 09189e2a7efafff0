// Real Chromium for the browser suites: Debian's /usr/bin/chromium (never a
// downloaded browser), headless through playwright-core with the test
// server's flags, and the esbuild step that bundles what a page loads.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "@lifeline/test-server";
import { build, type BuildOptions } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { describe, it } from "vitest";

/** The version `chromium --version` prints ("Chromium 156.0.8078.79 built on Debian …" gives "156.0.8078.79"), or "?". */
export function chromiumVersion(): string {
  const printed = execFileSync(CHROMIUM_PATH, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return /Chromium (\S+)/.exec(printed)?.[1] ?? "?";
}

/** Starts headless Chromium with the test server's flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: 30_000 });
}

/**
 * Bundles for a page with esbuild: ESM for es2022 browsers, with `options`
 * saying what and where. Throws on an error, and on a warning unless
 * `allowWarnings`.
 */
export async function bundleForBrowser(options: BuildOptions, { allowWarnings = false } = {}): Promise<void> {
  const result = await build({ bundle: true, format: "esm", platform: "browser", target: "es2022", logLevel: "silent", ...options });
  const messages = [...result.errors, ...(allowWarnings ? [] : result.warnings)].map((m) => m.text);
  if (messages.length > 0) throw new Error(`esbuild reported: ${messages.join("; ")}`);
}

/**
 * Runs `define` (the suite's describes) when Chromium is installed. Without
 * it: with CI=true a test named `title` fails (CI must run the browser
 * suites); elsewhere a skipped suite, and a line saying that `what` did not run.
 */
export function withChromium(title: string, what: string, define: () => void): void {
  if (existsSync(CHROMIUM_PATH)) return define();
  if (process.env["CI"] === "true") {
    describe(title, () => {
      it("is installed (CI must run the browser suite)", () => {
        throw new Error(`${CHROMIUM_PATH} not found, and CI=true: the browser suite must run on CI`);
      });
    });
  } else {
    process.stdout.write(`\n  SKIPPED: chromium not found (${CHROMIUM_PATH}); ${what} did not run\n\n`);
    describe.skip(title, () => {
      it("runs", () => {});
    });
  }
}
