// How the size tests bundle an app: the built client from dist/, by esbuild
// (minify, browser, zod external, mitt bundled) for production
// (process.env.NODE_ENV = "production": development prose folded away), then
// gzip level 9, as an app's bundler and server would ship it.
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));

/** The app `contents` (an ES module importing ./index.js and friends from dist/) as shipped. */
export async function bundle(contents: string): Promise<{ code: Uint8Array; text: string; inputs: string[]; gzip: number }> {
  const result = await build({
    stdin: { contents, resolveDir: DIST, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    external: ["zod"],
    define: { "process.env.NODE_ENV": '"production"' },
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.contents;
  return { code, text: new TextDecoder().decode(code), inputs: Object.keys(result.metafile.inputs), gzip: gzipSync(code, { level: 9 }).length };
}
