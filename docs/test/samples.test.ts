// Every ```ts (and ```tsx) block in docs/*.md type-checks against the built
// client, the React hooks and zod; every ```ts run block runs in Node 22
// against a real test server and, when a ```text output block follows it,
// prints exactly that.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { generateTestCertificates, startServer, type TestCertificates } from "@lifeline/test-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractSamples, samplesOf, toJavaScript, typecheck, type Sample } from "./samples.js";

const docsDir = fileURLToPath(new URL("..", import.meta.url));
const artifacts = path.join(docsDir, ".artifacts");
const globals = fileURLToPath(new URL("./sample-globals.d.ts", import.meta.url));
// the first sample a user meets: the root README's and the client README's (what the registry shows)
const firstScreens = [
  ["README.md", path.join(docsDir, "../README.md")],
  ["client-README.md", path.join(docsDir, "../packages/client/README.md")],
].map(([doc, file]) => samplesOf(doc!, readFileSync(file!, "utf8"))[0]!);
const samples = [...extractSamples(docsDir), ...firstScreens];
const runnable = samples.filter((s) => s.run);
const RUN_TIMEOUT_MS = 30_000;

/** The guides this task owns; each must carry samples. */
const GUIDES = [
  "getting-started.md",
  "options.md",
  "heartbeat.md",
  "auth.md",
  "reconnect.md",
  "tls.md",
  "recipes.md",
  "migrating.md",
  "testing.md",
  "react.md",
  "migration-0.2.md",
  "migration-0.3.md",
];

describe("extracting samples", () => {
  it("finds ts blocks, their run flags and output blocks", () => {
    const md = [
      "# t",
      "```ts",
      "const a = 1;",
      "```",
      "",
      "```ts run",
      "console.log(2);",
      "```",
      "",
      "```text output",
      "2",
      "```",
      "```js",
      "ignored()",
      "```",
      "1. a list",
      "   ```ts run tls",
      "   indented();",
      "   ```",
      "```tsx",
      "const b = <p />;",
      "```",
    ].join("\n");
    const found = samplesOf("t.md", md);
    expect(found.map((s) => [s.name, s.ext, s.run, s.code, s.output])).toEqual([
      ["t-L3", "ts", false, "const a = 1;\n", undefined],
      ["t-L7", "ts", "ws", "console.log(2);\n", "2\n"],
      ["t-L18", "ts", "tls", "indented();\n", undefined],
      ["t-L21", "tsx", false, "const b = <p />;\n", undefined],
    ]);
  });

  it("every guide has type-checked samples, and some run", () => {
    for (const guide of GUIDES) expect(samples.filter((s) => s.doc === guide).length, guide).toBeGreaterThan(0);
    expect(runnable.length).toBeGreaterThanOrEqual(8);
    expect(runnable.some((s) => s.run === "tls")).toBe(true);
  });
});

describe("type-checking the samples", () => {
  // A sample that misuses the API, checked in the same program: proves the
  // check resolves the real types rather than passing everything.
  const canary: Sample = {
    name: "canary",
    doc: "canary.md",
    line: 1,
    ext: "ts",
    run: false,
    code: [
      'import { createClient } from "@lifeline/client";',
      'import { z } from "zod";',
      'const client = createClient({ url: "ws://x.test/ws", outgoing: z.object({ type: z.literal("chat") }) });',
      'client.send({ type: "chat", text: 1 });',
      "client.send({ type: \"nope\" });",
      "createClient({ url: 42 });",
      "",
    ].join("\n"),
  };
  // The same for a React sample: JSX and the hooks' types are really checked.
  const reactCanary: Sample = {
    name: "canary-react",
    doc: "canary-react.md",
    line: 1,
    ext: "tsx",
    run: false,
    code: [
      'import { useClient, useOnType } from "@lifeline/react";',
      'import { z } from "zod";',
      "export function Chat() {",
      '  const client = useClient(() => ({ url: "ws://x.test/ws", incoming: z.object({ type: z.literal("chat") }) }));',
      '  useOnType(client, "nope", () => {});',
      "  return <p title={42} />;",
      "}",
      "",
    ].join("\n"),
  };
  let diagnostics: Map<string, string[]>;

  beforeAll(() => {
    mkdirSync(artifacts, { recursive: true });
    const outDir = mkdtempSync(path.join(artifacts, "samples-"));
    try {
      diagnostics = typecheck([...samples, canary, reactCanary], outDir, [globals]);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);

  it("rejects a sample that misuses the API", () => {
    const errors = diagnostics.get("canary")!;
    expect(errors.join("\n")).toMatch(/canary\.md:5:.*"nope"/);
    expect(errors.join("\n")).toMatch(/canary\.md:6:.*number/);
  });

  it("rejects a React sample that misuses the hooks or JSX", () => {
    const errors = diagnostics.get("canary-react")!.join("\n");
    expect(errors).toMatch(/canary-react\.md:5:.*"nope"/);
    expect(errors).toMatch(/canary-react\.md:6:.*number/);
  });

  it.each(samples.map((s) => ({ name: s.name, sample: s })))("$name", ({ sample }) => {
    expect(diagnostics.get(sample.name), `${sample.doc}:${sample.line}`).toEqual([]);
  });
});

interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function runNode(file: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file],
      { cwd: docsDir, env, timeout: RUN_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number | string; signal?: string }) | null;
        resolve({
          code: failure ? (typeof failure.code === "number" ? failure.code : null) : 0,
          signal: failure?.signal ?? null,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

describe.runIf(runnable.length > 0)("running the samples", () => {
  // a directory of this run's own (inside docs/, so the samples resolve @lifeline/* from its node_modules)
  // and certificates in a temporary directory of their own: two runs at once never remove each other's files
  let runDir: string;
  let certs: TestCertificates;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    runDir = mkdtempSync(path.join(artifacts, "run-"));
    if (runnable.some((s) => s.run === "tls")) certs = await generateTestCertificates();
  });

  afterAll(() => {
    rmSync(runDir, { recursive: true, force: true });
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  });

  it.each(runnable.map((s) => ({ name: s.name, sample: s })))(
    "$name",
    async ({ sample }) => {
      const file = path.join(runDir, `${sample.name}.mjs`);
      writeFileSync(file, toJavaScript(sample));
      // a fresh server per sample, so one sample's traffic never leaks into another's
      const server = await startServer({ port: 0, ...(sample.run === "tls" && { tls: { cert: certs.cert, key: certs.key } }) });
      try {
        const env: NodeJS.ProcessEnv = { ...process.env, LIFELINE_URL: server.url };
        delete env["NODE_OPTIONS"];
        if (sample.run === "tls") env["NODE_EXTRA_CA_CERTS"] = certs.caCertPath;
        const ran = await runNode(file, env);
        const where = `${sample.doc}:${sample.line} (${file})\nstdout:\n${ran.stdout}\nstderr:\n${ran.stderr}`;
        expect(ran.signal, `killed after ${RUN_TIMEOUT_MS} ms: ${where}`).toBeNull();
        expect(ran.code, where).toBe(0);
        if (sample.output !== undefined) expect(ran.stdout.trimEnd(), where).toBe(sample.output.trimEnd());
      } finally {
        await server.close();
      }
    },
    RUN_TIMEOUT_MS + 20_000,
  );
});
