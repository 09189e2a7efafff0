// The playground's topic panel: one topic, subscribed from the page's
// client (acknowledged mode), published through the test server's
// POST /control/publish. Shows every publication with its offset, and each
// subscribed (recovered or not), gap and error in the log.

const TOPIC = "playground:news";

/**
 * @param {{ $: (id: string) => HTMLElement, log: (kind: string, text: string) => void, control: (fault: string, body?: unknown) => Promise<void>, client: () => any }} page
 */
export function topicPanel(page) {
  const { $, log, control } = page;
  /** @type {import("../../packages/client/dist/topics.js") | undefined} */
  let lib;
  let handle;
  let published = 0;

  const status = (text) => ($("topic-status").textContent = text);

  function drop() {
    handle?.unsubscribe();
    handle = undefined;
    status("not subscribed");
    $("topic-subscribe").textContent = "subscribe";
  }

  async function subscribe() {
    if (handle) return drop();
    if (document.body.dataset.delivery !== "acknowledged") {
      log("error", "topics ride on acknowledged delivery: switch it on first");
      return;
    }
    try {
      lib ??= await import("/lib/topics.js");
    } catch (error) {
      log("error", `could not load /lib/topics.js: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    handle = lib.subscribe(page.client(), TOPIC);
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
  // a new client (settings, the acknowledged switch): the old subscription went with the old one
  return { clientChanged: drop };
}
