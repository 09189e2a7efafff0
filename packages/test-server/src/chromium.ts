/** Debian's Chromium (CI installs it with apt-get), the browser every browser suite of the repo drives. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * How the suites launch it: headless as root, and kept on loopback. Without
 * the background-networking flags it calls home at start; without the
 * resolver rule Debian's build still looks up Google hosts.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // nothing but loopback resolves: a page cannot reach the network by accident
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
];
