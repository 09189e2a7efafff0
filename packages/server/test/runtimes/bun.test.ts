// The Bun adapter in Bun itself (the repo's pinned binary): --no-install so
// nothing is ever fetched; the fixture imports the built dist by path.
import * as path from "node:path";
import { BIN, HERE, describeServed, serve } from "./harness.js";

describeServed("Bun", /^bun 1\./, () => serve(path.join(BIN, "bun"), ["--no-install", path.join(HERE, "serve-bun.mjs")], { BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" }));
