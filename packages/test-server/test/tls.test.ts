import { X509Certificate } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { afterEach, expect, test } from "vitest";
import { generateTestCertificates } from "../src/index.js";
import { cleanup, serve, spawnNode, tempDir, withTimeout } from "./helpers.js";

afterEach(cleanup);

// Node 22's global WebSocket, in a child so NODE_EXTRA_CA_CERTS (read at start-up) applies.
const CLIENT = `
const ws = new WebSocket(process.env.LIFELINE_URL);
const timer = setTimeout(() => { console.log("timeout"); process.exit(3); }, 8000);
ws.onopen = () => ws.send("hello over tls");
ws.onmessage = (event) => { console.log("echo:" + event.data); clearTimeout(timer); ws.close(); };
ws.onerror = () => { console.log("error"); clearTimeout(timer); process.exitCode = 1; };
`;

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  // Start from a clean slate: neither an inherited CA nor a disabled check.
  if (!("NODE_EXTRA_CA_CERTS" in extra)) delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_TLS_REJECT_UNAUTHORIZED;
  return env;
}

test("generateTestCertificates makes a CA and a server certificate for 127.0.0.1 and localhost", async () => {
  const dir = await tempDir();
  const certs = await generateTestCertificates(dir);
  expect(certs.dir).toBe(dir);
  expect(certs.caCertPath).toBe(path.join(dir, "ca.crt"));
  expect(await fs.readFile(certs.caCertPath, "utf8")).toBe(certs.caCert);

  const ca = new X509Certificate(certs.caCert);
  const cert = new X509Certificate(certs.cert);
  expect(ca.ca).toBe(true);
  expect(cert.ca).toBe(false);
  expect(cert.subjectAltName).toContain("IP Address:127.0.0.1");
  expect(cert.subjectAltName).toContain("DNS:localhost");
  expect(cert.verify(ca.publicKey)).toBe(true);
  expect(cert.checkPrivateKey((await import("node:crypto")).createPrivateKey(certs.key))).toBe(true);
});

test("a wss server is trusted with NODE_EXTRA_CA_CERTS and refused without it", async () => {
  const certs = await generateTestCertificates(await tempDir());
  const server = await serve({ tls: { cert: certs.cert, key: certs.key } });
  expect(server.url).toBe(`wss://127.0.0.1:${server.port}/ws`);
  expect(server.httpUrl).toBe(`https://127.0.0.1:${server.port}`);

  const trusted = spawnNode(
    ["--input-type=module", "-e", CLIENT],
    childEnv({ LIFELINE_URL: server.url, NODE_EXTRA_CA_CERTS: certs.caCertPath }),
  );
  expect(await withTimeout(trusted.exited, 10_000, "trusting client")).toEqual({ code: 0, signal: null });
  expect(trusted.stdout().trim()).toBe("echo:hello over tls");
  expect(server.texts()).toEqual(["hello over tls"]);

  const untrusted = spawnNode(["--input-type=module", "-e", CLIENT], childEnv({ LIFELINE_URL: server.url }));
  expect((await withTimeout(untrusted.exited, 10_000, "untrusting client")).code).toBe(1);
  expect(untrusted.stdout().trim()).toBe("error");
  expect(server.connections).toBe(1);
});
