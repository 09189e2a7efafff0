// The hooks (see tools/build/rollup.mjs for what is built). React and the
// client are peers: never bundled.
import { packageBuild } from "../../tools/build/rollup.mjs";

export default packageBuild({ input: { index: "src/index.ts" }, external: ["react", "@lifeline/client", "@lifeline/client/topics"] });
