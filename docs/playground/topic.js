// The playground's topic panel: a client of its own (acknowledged delivery,
// no tab sharing: topics are not shared across tabs yet) subscribed to one
// topic, published through the test server's POST /control/publish. Shows
// every publication with its offset, and each subscribed (recovered or
// not), gap and error in the log. The server's faults hit its line too.

const TOPIC = "playground:news";

/**
 * @param {{ $: (id: string) => HTMLElement, log: (kind: string, text: string) => void, control: (fault: string, body?: unknown) => Promise<void>, url: string }} page
 */
export function topicPanel(page) {
  const { $, log, control } = page;
  let client;
  let published = 0;

  const status = (text) => ($("topic-status").textContent = text);

  function stop() {
    client?.close();
    client = undefined;
    status("not subscribed");
    $("topic-subscribe").textContent = "subscribe";
  }

  async function subscribe() {
    if (client) return stop();
    let libs;
    try {
      libs = await Promise.all([import("/lib/index.js"), import("/lib/at-least-once.js"), import("/lib/topics.js")]);
    } catch (error) {
      log("error", `could not load the client from /lib/: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const [lib, acknowledged, topics] = libs;
    client = lib.createClient({ url: page.url, delivery: acknowledged.atLeastOnce(), heartbeat: { interval: 2_000, timeout: 2_000 } });
    client.on("error", () => {}); // the page's own client reports the line's troubles in the log
    const handle = topics.subscribe(client, TOPIC);
    $("topic-subscribe").textContent = "unsubscribe";
    status("subscribing…");
    handle.on("subscribed", ({ recovered }) => {
      status(recovered ? "subscribed (recovered)" : "subscribed");
      log("info", `subscribed to ${TOPIC}${recovered ? ": recovered what was published while away" : ""}`);
    });
    handle.on("message", (data, { offset }) => {
      $("topic-offset").textContent = String(offset);
      const item = document.createElement("li");
      item.textContent = `#${offset} ${JSON.stringify(data)}`;
      const list = $("topic-log");
      list.prepend(item);
      while (list.childElementCount > 50) list.lastElementChild?.remove();
    });
    handle.on("gap", ({ reason }) => log("error", `gap on ${TOPIC} (${reason}): publications were missed`));
    handle.on("error", (error) => log("error", `${TOPIC}: ${error.code}`));
  }

  const publish = (n) => {
    for (let i = 0; i < n; i++) void control("publish", { topic: TOPIC, data: { n: ++published, at: new Date().toISOString().slice(11, 19) } });
  };

  $("topic-subscribe").addEventListener("click", () => void subscribe());
  $("topic-publish").addEventListener("click", () => publish(1));
  $("topic-publish-10").addEventListener("click", () => publish(10));
}
