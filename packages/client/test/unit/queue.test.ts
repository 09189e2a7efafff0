import { describe, expect, it } from "vitest";
import { isLifelineError } from "../../src/index.js";
import { sentJson, setup } from "./helpers.js";

describe("outbound queue", () => {
  it("send() returns 'sent' when open and 'queued' otherwise", () => {
    const { fake, client } = setup();
    expect(client.send({ n: 1 })).toBe("queued");
    fake.last().open();
    expect(client.send({ n: 2 })).toBe("sent");
    expect(sentJson(fake.last())).toEqual([{ n: 1 }, { n: 2 }]);
    client.close();
  });

  it("flushes in FIFO order on open, before anything sent from an open handler", () => {
    const { fake, client } = setup({ heartbeat: false });
    for (const n of [1, 2, 3]) client.send({ n });
    client.on("open", () => client.send({ n: "from open" }));
    client.on("state", ({ to }) => to === "open" && client.send({ n: "from state" }));
    fake.last().open();
    expect(sentJson(fake.last())).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: "from state" }, { n: "from open" }]);
    expect(client.pending).toEqual([]);
    client.close();
  });

  it("keeps what was queued across failed attempts and reconnects, and sends it once", () => {
    const { clock, fake, client } = setup({ backoff: { jitter: "none" } });
    client.send("a");
    fake.last().fail();
    client.send("b");
    clock.advance(500);
    client.send("c");
    fake.last().open();
    expect(sentJson(fake.last())).toEqual(["a", "b", "c"]);
    fake.last().serverClose(1001);
    // the second retry in a row (the connection lived less than resetAfter)
    clock.advance(1_000);
    fake.last().open();
    expect(fake.sockets).toHaveLength(3);
    expect(fake.last().sent).toEqual([]);
    client.close();
  });

  it("pending holds the messages as passed, not encoded", () => {
    const first = { type: "chat", when: new Date(0) };
    const second = ["not", "an", "object"];
    const { client } = setup();
    client.send(first);
    client.send(second);
    expect(client.pending).toHaveLength(2);
    expect(client.pending[0]).toBe(first);
    expect(client.pending[1]).toBe(second);
    client.close();
  });

  it("close() keeps the queue and a later connect() sends it", () => {
    const { fake, client } = setup();
    client.send({ n: 1 });
    client.close();
    client.send({ n: 2 });
    expect(client.pending).toEqual([{ n: 1 }, { n: 2 }]);
    client.connect();
    fake.last().open();
    expect(sentJson(fake.last())).toEqual([{ n: 1 }, { n: 2 }]);
    expect(client.pending).toEqual([]);
    client.close();
  });

  it("a socket that refuses a frame keeps it queued for the next connection", () => {
    const { clock, fake, client, log } = setup({ backoff: { jitter: "none" } });
    fake.last().open();
    const socket = fake.last();
    socket.send = () => {
      throw new Error("socket is gone");
    };
    expect(client.send("kept")).toBe("queued");
    expect(log.of("close")).toMatchObject([{ reason: "send failed", willReconnect: true }]);
    expect(client.pending).toEqual(["kept"]);
    clock.advance(500);
    fake.last().open();
    expect(fake.last().sent).toEqual(['"kept"']);
    client.close();
  });

  describe("overflow", () => {
    it('"drop-oldest" queues the new message and drops the oldest', () => {
      const { fake, client, log } = setup({ queue: { max: 2, overflow: "drop-oldest" } });
      const [a, b, c, d] = [{ n: "a" }, { n: "b" }, { n: "c" }, { n: "d" }];
      expect(client.send(a)).toBe("queued");
      expect(client.send(b)).toBe("queued");
      expect(client.send(c)).toBe("queued");
      expect(client.send(d)).toBe("queued");
      expect(log.of("drop")).toEqual([
        { message: a, reason: "overflow" },
        { message: b, reason: "overflow" },
      ]);
      expect(log.of("drop")[0]!.message).toBe(a);
      expect(client.pending).toEqual([c, d]);
      fake.last().open();
      expect(sentJson(fake.last())).toEqual([c, d]);
      client.close();
    });

    it('"drop-newest" drops the message being sent and send() returns "dropped"', () => {
      const { fake, client, log } = setup({ queue: { max: 2, overflow: "drop-newest" } });
      const c = { n: "c" };
      expect(client.send({ n: "a" })).toBe("queued");
      expect(client.send({ n: "b" })).toBe("queued");
      expect(client.send(c)).toBe("dropped");
      expect(log.of("drop")).toEqual([{ message: c, reason: "overflow" }]);
      expect(log.of("drop")[0]!.message).toBe(c);
      expect(client.pending).toEqual([{ n: "a" }, { n: "b" }]);
      fake.last().open();
      expect(sentJson(fake.last())).toEqual([{ n: "a" }, { n: "b" }]);
      client.close();
    });

    it('"error" makes send() throw QUEUE_FULL and keeps the queue as it was', () => {
      const { client, log } = setup({ queue: { max: 2, overflow: "error" } });
      client.send(1);
      client.send(2);
      let error: unknown;
      try {
        client.send(3);
      } catch (e) {
        error = e;
      }
      expect(isLifelineError(error)).toBe(true);
      expect(error).toMatchObject({ code: "QUEUE_FULL" });
      expect((error as Error).message).toContain("queue.max");
      expect(client.pending).toEqual([1, 2]);
      expect(log.of("drop")).toEqual([]);
      client.close();
    });

    it("max 0 queues nothing", () => {
      const { client, log } = setup({ queue: { max: 0 } });
      expect(client.send("x")).toBe("dropped");
      expect(log.of("drop")).toEqual([{ message: "x", reason: "overflow" }]);
      expect(client.pending).toEqual([]);
      client.close();
    });

    it("does not limit sends while open", () => {
      const { fake, client, log } = setup({ queue: { max: 1, overflow: "error" } });
      fake.last().open();
      for (let i = 0; i < 10; i++) expect(client.send(i)).toBe("sent");
      expect(fake.last().sent).toHaveLength(10);
      expect(log.of("drop")).toEqual([]);
      client.close();
    });
  });

  describe("ttl", () => {
    it('drops a message that waited longer than ttl with reason "expired"', () => {
      const { clock, fake, client, log } = setup({ queue: { ttl: 1_000 } });
      const old = { n: "old" };
      client.send(old);
      clock.advance(600);
      client.send({ n: "young" });
      clock.advance(399);
      expect(client.pending).toEqual([old, { n: "young" }]);
      clock.advance(1);
      expect(client.pending).toEqual([{ n: "young" }]);
      expect(log.of("drop")).toEqual([{ message: old, reason: "expired" }]);
      fake.last().open();
      expect(sentJson(fake.last())).toEqual([{ n: "young" }]);
      client.close();
    });

    it("expires lazily: the drop is reported when the queue is next touched (open, send, pending)", () => {
      const { clock, fake, client, log } = setup({ queue: { ttl: 1_000 }, connectTimeout: 60_000 });
      client.send("stale");
      clock.advance(5_000);
      // no timer runs the expiry
      expect(log.of("drop")).toEqual([]);
      fake.last().open();
      expect(log.of("drop")).toEqual([{ message: "stale", reason: "expired" }]);
      expect(fake.last().sent).toEqual([]);
      client.close();
    });

    it("a send() finds the stale ones and drops them first", () => {
      const { clock, client, log } = setup({ queue: { ttl: 1_000, max: 1, overflow: "error" } });
      client.send("stale");
      clock.advance(1_000);
      // the queue is full of an expired message: it goes, the new one fits
      expect(client.send("fresh")).toBe("queued");
      expect(log.of("drop")).toEqual([{ message: "stale", reason: "expired" }]);
      expect(client.pending).toEqual(["fresh"]);
      client.close();
    });
  });
});

describe("the queue's order (through the client)", () => {
  it("is FIFO and reports what it dropped", () => {
    const { fake, client, log } = setup({ heartbeat: false, queue: { max: 2 } });
    for (const m of ["a", "b", "c"]) client.send(m);
    expect(log.of("drop")).toEqual([{ message: "a", reason: "overflow" }]);
    expect(client.pending).toEqual(["b", "c"]);
    fake.last().open();
    expect(sentJson(fake.last())).toEqual(["b", "c"]);
    expect(client.pending).toEqual([]);
    client.close();
  });

  it("stays FIFO across lines that take part of it", () => {
    const { fake, client } = setup({ heartbeat: false, queue: { max: 10_000 } });
    const out: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      client.send(String(i));
      if (i % 1_000 === 999) {
        // a line that takes two messages and dies refusing the third
        const ws = fake.last();
        const send = ws.send.bind(ws);
        let n = 0;
        ws.send = (data: string) => {
          if (++n > 2) throw new Error("gone");
          send(data);
        };
        ws.open();
        out.push(...(sentJson(ws) as string[]));
        client.reconnect();
      }
    }
    fake.last().open();
    out.push(...(sentJson(fake.last()) as string[]));
    expect(out).toEqual(Array.from({ length: 5_000 }, (_, i) => String(i)));
    client.close();
  });

  it("expires only from the front, in arrival order", () => {
    const { clock, client, log } = setup({ queue: { ttl: 100 } });
    client.send("a");
    clock.advance(50);
    client.send("b");
    clock.advance(70);
    client.send("c");
    clock.advance(30);
    expect(client.pending).toEqual(["c"]);
    expect(log.of("drop")).toEqual([
      { message: "a", reason: "expired" },
      { message: "b", reason: "expired" },
    ]);
    client.close();
  });
});

describe("a socket that is closing", () => {
  it("keeps what is sent after the server's close frame for the next line, and still reports the server's close code", () => {
    const { clock, fake, client, log } = setup({ heartbeat: false, backoff: { jitter: "none" } });
    fake.last().open();
    // the close handshake has begun: the socket says CLOSING, its close event has not come yet
    fake.last().readyState = 2;
    expect(client.send({ n: 1 })).toBe("queued");
    expect(fake.last().sent).toEqual([]);
    fake.last().serverClose(1013, '{"retryAfter":1000}');
    expect(log.of("close")).toMatchObject([{ code: 1013, willReconnect: true }]);
    clock.advance(1_500);
    fake.last().open();
    expect(sentJson(fake.last())).toEqual([{ n: 1 }]);
    expect(client.pending).toEqual([]);
    client.close();
  });
});
