// The SDK: one entry point per opt-in feature (see tools/build/rollup.mjs for what is built).
import { packageBuild } from "../../tools/build/rollup.mjs";

export default packageBuild({
  input: {
    index: "src/index.ts",
    testing: "src/testing.ts",
    "at-least-once": "src/at-least-once/index.ts",
    request: "src/request/index.ts",
    websocket: "src/websocket/index.ts",
    share: "src/share/index.ts",
    topics: "src/topics/index.ts",
  },
});
