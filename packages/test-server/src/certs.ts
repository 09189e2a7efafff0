import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A throwaway CA and a server certificate it signed, as PEM text and files. */
export interface TestCertificates {
  /** The CA certificate (PEM): what a client must trust. */
  caCert: string;
  /** Where the CA certificate is, e.g. for `NODE_EXTRA_CA_CERTS`. */
  caCertPath: string;
  /** The server certificate (PEM), SAN `IP:127.0.0.1, DNS:localhost`. */
  cert: string;
  /** The server's private key (PEM). */
  key: string;
  /** The directory holding every file. */
  dir: string;
}

// Our own config files, so the result does not depend on the system openssl.cnf.
const CA_CONFIG = `[req]
distinguished_name = dn
prompt = no
x509_extensions = ca_ext
[dn]
CN = lifeline test CA (throwaway)
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;

const SERVER_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
`;

const SERVER_EXTENSIONS = `basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
`;

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("openssl", args, { cwd, timeout: 30_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      reject(
        new Error(
          missing
            ? "generateTestCertificates needs the openssl CLI on PATH"
            : `openssl ${args[0]} failed: ${String(stderr).trim() || error.message}`,
          { cause: error },
        ),
      );
    });
  });
}

/**
 * Make a throwaway CA and a server certificate signed by it (EC P-256, valid
 * 30 days, SAN `IP:127.0.0.1, DNS:localhost`) with the `openssl` CLI.
 *
 * @param dir where to write the files; a fresh temp directory by default.
 * @example
 * const certs = await generateTestCertificates();
 * const server = await startServer({ tls: certs });
 * // a client trusts it with NODE_EXTRA_CA_CERTS=<certs.caCertPath>
 */
export async function generateTestCertificates(dir?: string): Promise<TestCertificates> {
  const out = dir === undefined ? await fs.mkdtemp(path.join(os.tmpdir(), "lifeline-certs-")) : path.resolve(dir);
  await fs.mkdir(out, { recursive: true });
  await Promise.all([
    fs.writeFile(path.join(out, "ca.cnf"), CA_CONFIG),
    fs.writeFile(path.join(out, "server.cnf"), SERVER_CONFIG),
    fs.writeFile(path.join(out, "server.ext"), SERVER_EXTENSIONS),
  ]);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await Promise.all([
    openssl(["req", "-x509", "-config", "ca.cnf", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "30"], out),
    openssl(["req", "-new", "-config", "server.cnf", ...ec, "-keyout", "server.key", "-out", "server.csr"], out),
  ]);
  await openssl(
    [
      "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
      // A random serial (instead of a .srl file) so regenerating never reuses one.
      "-set_serial", "0x" + randomBytes(16).toString("hex").replace(/^[89a-f]/, "1"),
      "-days", "30", "-extfile", "server.ext", "-out", "server.crt",
    ],
    out,
  );
  const caCertPath = path.join(out, "ca.crt");
  const [caCert, cert, key] = await Promise.all([
    fs.readFile(caCertPath, "utf8"),
    fs.readFile(path.join(out, "server.crt"), "utf8"),
    fs.readFile(path.join(out, "server.key"), "utf8"),
  ]);
  return { caCert, caCertPath, cert, key, dir: out };
}
