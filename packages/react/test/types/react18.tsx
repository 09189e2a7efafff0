// A small app compiled against React 18's types (tsconfig.react18.json) as
// well as React 19's (tsconfig.json): the peer range promises both.
import { StrictMode } from "react";
import type { ReactElement } from "react";
import { LifelineProvider, useClient, useLatency, useLatest, useLifeline, useLifelineState, useMessages, useOnType } from "../../src/index.js";
import { z } from "zod";

const Incoming = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chat"), text: z.string() }),
  z.object({ type: z.literal("presence"), users: z.array(z.string()) }),
]);

function Room(): ReactElement {
  const client = useLifeline();
  useMessages(client, () => {});
  return <span>{useLifelineState(client)}</span>;
}

export function App({ url }: { url: string }): ReactElement {
  const client = useClient(() => ({ url, incoming: Incoming }));
  const rtt = useLatency(client);
  const presence = useLatest(client, "presence");
  useOnType(client, "chat", (msg) => msg.text.toUpperCase());
  return (
    <StrictMode>
      <LifelineProvider client={client}>
        <Room />
        <small>{rtt ?? "-"}</small>
        <ul>{presence?.users.map((user) => <li key={user}>{user}</li>)}</ul>
      </LifelineProvider>
    </StrictMode>
  );
}
