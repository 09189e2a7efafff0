// The mutants run by ./mutants.mjs: deliberate, realistic breaks of the
// client's behaviour, one small edit each (some need two sites). Each edit is
// an exact search/replace on a file under src/; the search must occur exactly
// once, so a mutant that no longer matches the source fails loudly instead of
// silently testing nothing.
//
// Fields: id (stable, short), file (under src/), what (the behaviour broken),
// edits ([search, replace] pairs), projects (optional: the vitest projects that
// cover it, when the fast ones, unit and dom, do not).

/** @type {Array<{ id: string; file: string; what: string; edits: Array<[string, string]>; projects?: string[] }>} */
export const MUTANTS = [
  // ---- the heartbeat (core/heartbeat.ts) -------------------------------------
  {
    id: "heartbeat-never-dead",
    file: "core/heartbeat.ts",
    what: "a ping nothing answers never declares the line dead",
    edits: [["if (this.phase < 7 && late) return this.#ping(7);", "return this.#ping(7);"]],
  },
  {
    id: "heartbeat-no-sleep-recheck",
    file: "core/heartbeat.ts",
    what: "the late-timer (sleep) recheck removed: a late pinging timer declares the line dead at once",
    edits: [["if (this.phase < 7 && late) return this.#ping(7);", ""]],
  },
  {
    id: "heartbeat-rearm-full-interval",
    file: "core/heartbeat.ts",
    what: "after traffic, the open timer re-arms for a whole interval instead of the silence left",
    edits: [["this.arm(heartbeat.interval - silence);", "this.arm(heartbeat.interval);"]],
  },
  {
    id: "heartbeat-ping-half-interval",
    file: "core/heartbeat.ts",
    what: "pings after half an interval of silence",
    edits: [["silence >= heartbeat.interval ?", "silence >= heartbeat.interval / 2 ?"]],
  },
  // ---- core/retry.ts --------------------------------------------------------
  {
    id: "retry-cap-off-by-one",
    file: "core/retry.ts",
    what: "backoff cap one retry ahead (initial·factorⁿ instead of ⁿ⁻¹)",
    edits: [["backoff.factor ** (retry - 1)", "backoff.factor ** retry"]],
  },
  {
    id: "retry-max-ignored",
    file: "core/retry.ts",
    what: "backoff.max no longer caps the delay",
    edits: [["return Math.min(backoff.max, backoff.initial * backoff.factor ** (retry - 1));", "return backoff.initial * backoff.factor ** (retry - 1);"]],
  },
  {
    id: "retry-equal-jitter-no-floor",
    file: "core/retry.ts",
    what: "equal jitter loses its cap/2 floor",
    edits: [["cap / 2 + (random() * cap) / 2", "(random() * cap) / 2"]],
  },
  {
    id: "retry-after-ignored",
    file: "core/retry.ts",
    what: "a 1013 close's retryAfter is ignored",
    edits: [["return typeof ms === \"number\" && ms > 0 && ms < Infinity ? ms : 0;", "return 0;"]],
  },
  {
    id: "retry-1006-gives-up",
    file: "core/retry.ts",
    what: "default shouldReconnect gives up on an abnormal close (1006)",
    edits: [[" && code !== 1006)", ")"]],
  },
  {
    id: "retry-4499-reconnects",
    file: "core/retry.ts",
    what: "default shouldReconnect reconnects after 4499 (range end off by one)",
    edits: [["code <= 4499", "code < 4499"]],
  },
  // ---- core/events.ts -------------------------------------------------------
  // ---- core/url.ts ----------------------------------------------------------
  {
    id: "url-query-not-redacted",
    file: "core/url.ts",
    what: "url redaction keeps the query (tokens)",
    edits: [['.replace(/\\?[^\\s#]+/g, "?***")', ""]],
  },
  {
    id: "url-user-not-redacted",
    file: "core/url.ts",
    what: "url redaction keeps the user name",
    edits: [['text.replace(/[^\\s/]*@/g, "***@")', 'text.replace(/:[^\\s/]*@/g, ":***@")']],
  },
  {
    id: "url-redactin-query",
    file: "core/url.ts",
    what: "a runtime error quoting the query alone is not redacted (only the whole url is)",
    edits: [["export function redact(url: string, text = url): string {\n", "export function redact(url: string, text = url): string {\n  if (text !== url) return text.split(url).join(redact(url));\n"]],
  },
  {
    id: "url-http-kept",
    file: "core/url.ts",
    what: "an http: url is accepted but not turned into ws:",
    edits: [['    url.protocol = url.protocol.replace("http", "ws");\n    if (url.protocol === "ws:" || url.protocol === "wss:") return url.href;', '    if (/^(ws|http)s?:$/.test(url.protocol)) return url.href;']],
  },
  // ---- the browser's hints (core/socket.ts, core/connection.ts) ---------------
  {
    id: "browser-online-missing-is-offline",
    file: "core/connection.ts",
    what: "navigator.onLine missing (Node) is read as offline",
    edits: [["browser.navigator?.onLine !== false ?", "browser.navigator?.onLine === true ?"]],
  },
  // ---- iteration (core/messages.ts) ------------------------------------------
  // ---- core/errors.ts -------------------------------------------------------
  {
    id: "errors-instanceof-guard",
    file: "core/errors.ts",
    what: "isLifelineError uses instanceof (fails across package copies / realms)",
    edits: [["return (value as Record<symbol, unknown> | null)?.[BRAND] === true;", "return value instanceof LifelineError;"]],
  },
  {
    id: "errors-describe-prefix",
    file: "core/errors.ts",
    what: "describe() gives 'Error: msg' instead of the message",
    edits: [["thrown instanceof Error ? thrown.message : String(thrown)", "String(thrown)"]],
  },
  // ---- core/extension.ts ----------------------------------------------------
  {
    id: "extension-local-symbol",
    file: "core/extension.ts",
    what: "EXTEND is a local symbol, so request() from another copy of the package cannot plug into a client",
    edits: [["Symbol.for(\"lifeline.extend\")", "Symbol(\"lifeline.extend\")"]],
  },
  // ---- core/schema.ts -------------------------------------------------------
  {
    id: "schema-path-object-key",
    file: "core/schema.ts",
    what: "issue path segments given as { key } print as [object Object]",
    edits: [["String(typeof p === \"object\" ? p.key : p)", "String(p)"]],
  },
  // ---- core/socket.ts (and the socket listening in core/connection.ts) ------
  {
    id: "socket-close-code-kept",
    file: "core/connection.ts",
    what: "a close code outside 1000–4999 (Deno's 0) is reported as is",
    edits: [["type === \"close\" && event.code! >= 1000 && event.code! <= 4999 ? event.code! : 1006", "type === \"close\" ? (event.code ?? 1006) : 1006"]],
  },
  {
    id: "socket-view-not-sliced",
    file: "core/messages.ts",
    what: "a binary view (Bun's Buffer) is passed on as its whole backing buffer",
    edits: [["data = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);", "data = data.buffer;"]],
  },
  {
    id: "socket-binarytype-unset",
    file: "core/connection.ts",
    what: "binaryType is not set to arraybuffer",
    edits: [["      ws.binaryType = \"arraybuffer\";\n", ""]],
  },
  {
    id: "socket-release-keeps-listening",
    file: "core/socket.ts",
    what: "a released socket keeps its listeners",
    edits: [["  for (const type of [\"open\", \"close\", \"error\", \"message\"]) ws.removeEventListener(type, listener);\n", ""]],
  },
  {
    id: "socket-release-no-close",
    file: "core/socket.ts",
    what: "a released socket is not closed",
    edits: [["ws.close(code, reason);", ""]],
  },
  {
    id: "socket-error-kept-once-open",
    file: "core/connection.ts",
    what: "an open socket keeps its error listener (~200 B per idle client in Node)",
    edits: [["      ws!.removeEventListener(\"error\", this.listener);\n", ""]],
  },
  {
    id: "socket-error-not-heard",
    file: "core/connection.ts",
    what: "the client never listens to error, so a refused attempt (Node: error only) stalls",
    edits: [["for (const type of [\"open\", \"close\", \"error\", \"message\"]) ws.addEventListener(type, this.listener);", "for (const type of [\"open\", \"close\", \"message\"]) ws.addEventListener(type, this.listener);"]],
  },
  // ---- outgoing (core/messages.ts's send) ------------------------------------
  {
    id: "outbox-schema-output-ignored",
    file: "core/messages.ts",
    what: "the outgoing schema's output (transforms, defaults) is dropped; the raw message is sent",
    edits: [["    let value = result.value;\n", "    let value: unknown = message;\n"]],
  },
  // ---- incoming (core/messages.ts's read, check) ------------------------------
  {
    id: "incoming-never-busy",
    file: "core/messages.ts",
    what: "frames after one behind an async schema overtake it",
    edits: [["const step = tail ? tail.then(() => this.#read(data)) : this.#read(data);", "const step = this.#read(data);"]],
  },
  {
    id: "incoming-fail-not-called",
    file: "core/messages.ts",
    what: "a value failing its schema does not call fail (a request's bad reply is not rejected)",
    edits: [["    fail?.(error);\n", ""]],
  },
  {
    id: "incoming-decode-silent",
    file: "core/messages.ts",
    what: "an undecodable frame is dropped without an invalid event",
    edits: [["      return void invalid(this, data, ", "      return void cause, void ("]],
  },
  // ---- core/options.ts ------------------------------------------------------
  // ---- the client (core/client.ts, core/connection.ts, core/messages.ts) ------
  // ---- at-least-once/index.ts -----------------------------------------------
  {
    id: "alo-resend-skips-first",
    file: "at-least-once/index.ts",
    what: "resend after reconnect skips the first unacked message",
    edits: [["for (let i = 0; i < unacked.length; i++)", "for (let i = 1; i < unacked.length; i++)"]],
  },
  {
    id: "alo-ack-every-never",
    file: "at-least-once/index.ts",
    what: "ack batching never sends on ackEvery (only on the timer)",
    edits: [["if (++unackedIn === ackEvery) queueMicrotask(sendAck);\n            else if (unackedIn === 1) ackTimer", "++unackedIn;\n            if (unackedIn === 1) ackTimer"]],
  },
  {
    id: "alo-ack-per-batch-in-turn",
    file: "at-least-once/index.ts",
    what: "acks are not coalesced per turn: one goes out at once for every ackEvery messages of a read",
    edits: [["if (++unackedIn === ackEvery) queueMicrotask(sendAck);", "if (++unackedIn >= ackEvery) sendAck();"]],
  },
  {
    id: "alo-replay-delivered-twice",
    file: "at-least-once/index.ts",
    what: "a replayed server seq is delivered twice",
    edits: [["            if (!fresh) return;\n", ""]],
  },
  {
    id: "alo-reset-not-renumbering",
    file: "at-least-once/index.ts",
    what: "reset does not renumber from seq 1",
    edits: [["    firstSeq = 1;\n    received = unackedIn = 0;", "    received = unackedIn = 0;"]],
  },
  {
    id: "alo-ack-over-count",
    file: "at-least-once/index.ts",
    what: "an ack confirms one message fewer than it covers",
    edits: [["Math.min(seq - firstSeq + 1, unacked.length)", "Math.min(seq - firstSeq, unacked.length)"]],
  },
  {
    id: "alo-window-unbounded",
    file: "at-least-once/index.ts",
    what: "more than queue.max messages in flight unacknowledged",
    edits: [["if (unacked.length >= queue.max) return false;", ""]],
  },
  {
    id: "alo-hello-ack-zero",
    file: "at-least-once/index.ts",
    what: "the hello always acknowledges 0 (server replays everything)",
    edits: [["JSON.stringify({ t: \"hello\", session, ack: received,", "JSON.stringify({ t: \"hello\", session, ack: 0,"]],
  },
  {
    id: "alo-connect-keeps-session",
    file: "at-least-once/index.ts",
    what: "connect() after close() with nothing held keeps the old session",
    edits: [["if (stopped && unacked.length === 0 && line.queued === 0) fresh();", ""]],
  },
  {
    id: "alo-ack-timer-survives-loss",
    file: "at-least-once/index.ts",
    what: "the ack timer is not cleared when the line is lost",
    edits: [["    lost() {\n      clock.clearTimeout(ackTimer);\n      ackTimer = undefined;\n    },", "    lost() {},"]],
  },
  {
    id: "alo-reset-no-event",
    file: "at-least-once/index.ts",
    what: "a server reset is not reported as a reset event",
    edits: [["line.emit(\"reset\", { reason: String(frame!.reason ?? \"\") });", ""]],
  },
  // ---- request/index.ts -----------------------------------------------------
  {
    id: "request-timeout-not-cleared",
    file: "request/index.ts",
    what: "the request timeout is never cleared",
    edits: [["      clock.clearTimeout(timer);\n", ""]],
  },
  {
    id: "request-reply-also-message",
    file: "request/index.ts",
    what: "a request's reply is emitted as a message too",
    edits: [["return (client as Lent).check(data, value, request[0]", "void next(value, re, data);\n            return (client as Lent).check(data, value, request[0]"]],
  },
  {
    id: "request-id-not-merged",
    file: "request/index.ts",
    what: "without atLeastOnce the id is not put in the message",
    edits: [["? value : { ...(value as object), ...meta })", "? value : value)"]],
  },
  {
    id: "request-envelope-re-ignored",
    file: "request/index.ts",
    what: "a reply's re in the at-least-once envelope is ignored",
    edits: [["waiting.get((re ?? (value as { re?: unknown } | null)?.re) as string)", "waiting.get((value as { re?: unknown } | null)?.re as string)"]],
  },
  {
    id: "request-close-not-rejected",
    file: "request/index.ts",
    what: "pending requests are not rejected when the client closes",
    edits: [["stop: () => waiting.forEach((request) => request[1](closedError())),", ""]],
  },
  {
    id: "request-default-timeout",
    file: "request/index.ts",
    what: "the timeout option is ignored (always the default)",
    edits: [["      timeout,\n    );", "      DEFAULT_TIMEOUT,\n    );"]],
  },
  {
    id: "request-ids-repeat",
    file: "request/index.ts",
    what: "ids repeat when an injected random repeats (no counter)",
    edits: [["const id = `${++count}${random()}`;", "const id = `${random()}`;"]],
  },
  {
    id: "request-abort-listener-kept",
    file: "request/index.ts",
    what: "a settled request leaves its abort listener on the signal",
    edits: [["signal?.removeEventListener(\"abort\", onAbort);", ""]],
  },
  {
    id: "request-send-throw-kept",
    file: "request/index.ts",
    what: "a send() that throws leaves the request waiting (and its timer): the request registered before sending",
    edits: [
      ["    (client as Lent).send(message, { id });\n", ""],
      ["    waiting.set(id, [schema, settle]);\n", "    waiting.set(id, [schema, settle]);\n    (client as Lent).send(message, { id });\n"],
    ],
  },
  // ---- the lean core (issue 21) and the behaviours of issue 20 ----------------
  {
    id: "phases-heard-ignored",
    file: "core/heartbeat.ts",
    what: "a frame while a ping is out does not bring the phase back to open",
    edits: [["      if (pinging) this.go(5, this.opening(now));\n", ""]],
  },
  {
    id: "phases-pinging-leaks",
    file: "core/connection.ts",
    what: "the pinging phase shows as its own public state",
    edits: [["\"reconnecting\", \"open\", \"open\", \"open\"];", "\"reconnecting\", \"open\", \"pinging\", \"pinging\"] as State[];"]],
  },
  {
    id: "phases-retrying-is-connecting",
    file: "core/connection.ts",
    what: "a retry's opening socket shows as connecting",
    edits: [["\"connecting\", \"reconnecting\", \"reconnecting\",", "\"connecting\", \"connecting\", \"reconnecting\","]],
  },
  {
    id: "events-throw-stops-others",
    file: "core/events.ts",
    what: "a throwing handler stops the others and throws into the client",
    edits: [["        } catch (cause) {\n          // an error handler that throws", "        } catch (cause) {\n          throw cause;\n          // an error handler that throws"]],
  },
  {
    id: "events-mid-change",
    file: "core/events.ts",
    what: "events emitted mid-change instead of after the change",
    edits: [["if (this.#busy) (this.#queue ??= []).push([type, payload]);\n    else {", "{"]],
  },
  {
    id: "events-reentrant-dispatch",
    file: "core/events.ts",
    what: "an event raised by a handler is dispatched inside that handler",
    edits: [["      this.#busy = 1;\n      this.#dispatch(type, payload);", "      this.#dispatch(type, payload);"], ["    this.#busy = 1;\n    for (let next", "    this.#busy = 0;\n    for (let next"]],
  },
  {
    id: "events-held-reversed",
    file: "core/events.ts",
    what: "held events are delivered newest first",
    edits: [["(next = this.#queue?.shift())", "(next = this.#queue?.pop())"]],
  },
  {
    id: "events-duplicate-handler",
    file: "core/events.ts",
    what: "the same handler subscribed twice is called twice",
    edits: [["if (!this.#all.get(type)?.includes(handler)) mitt", "mitt"]],
  },
  {
    id: "events-off-removes-neighbour",
    file: "core/events.ts",
    what: "off() removes the first handler of the type, not the one given",
    edits: [["if (handlers) this.#all.set(type, handlers.filter((h) => h !== handler));", "if (handlers) this.#all.set(type, handlers.slice(1));"]],
  },
  {
    id: "events-no-hold",
    file: "core/events.ts",
    what: "createClient's own events are delivered before the caller can attach handlers",
    edits: [["queueMicrotask(() => this.#busy > 1 && this.#drain());", "this.#drain();"]],
  },
  {
    id: "events-unheard-silent",
    file: "core/events.ts",
    what: "an error nobody hears is dropped silently in development builds",
    edits: [["    console.warn(`lifeline: unhandled error", "    void (`lifeline: unhandled error"]],
  },
  {
    id: "browser-visible-inverted",
    file: "core/connection.ts",
    what: "becoming hidden, not visible, cuts the backoff short",
    edits: [["browser.document?.visibilityState === \"visible\"", "browser.document?.visibilityState !== \"visible\""]],
  },
  {
    id: "browser-unwatch-noop",
    file: "core/connection.ts",
    what: "close() leaves the window and document listeners",
    edits: [["    watch(\"removeEventListener\", this.listener);\n", ""]],
  },
  {
    id: "iterate-never-ends",
    file: "core/messages.ts",
    what: "the async iterator does not end when the client closes",
    edits: [["while (buffer.length || !closed)", "while (true)"]],
  },
  {
    id: "iterate-lifo",
    file: "core/messages.ts",
    what: "the async iterator yields the newest buffered message first",
    edits: [["yield buffer.shift()!", "yield buffer.pop()!"]],
  },
  // the outbound queue is inlined in core/client.ts now (OutboundQueue is gone); the outbox-* ids are kept for the same behaviours
  {
    id: "outbox-drop-oldest-drops-newest",
    file: "core/messages.ts",
    what: "drop-oldest drops the newest message instead",
    edits: [["|| !max ? entry : queue.shift()!;", "|| !max ? entry : queue.pop()!;"]],
  },
  {
    id: "outbox-ttl-never-expires",
    file: "core/messages.ts",
    what: "queued messages never expire",
    edits: [[">= this.options.queue.ttl)", ">= Infinity)"]],
  },
  {
    id: "outbox-ttl-boundary",
    file: "core/messages.ts",
    what: "a message exactly ttl old is kept",
    edits: [[">= this.options.queue.ttl)", "> this.options.queue.ttl)"]],
  },
  {
    id: "outbox-max-off-by-one",
    file: "core/messages.ts",
    what: "the queue holds max + 1 messages",
    edits: [["if (queue.length >= max) {", "if (queue.length > max) {"]],
  },
  {
    id: "outbox-flush-reversed",
    file: "core/messages.ts",
    what: "the queue is flushed newest first",
    edits: [["this.#transmit(queue[0]!)) queue.shift();", "this.#transmit(queue[queue.length - 1]!)) queue.pop();"]],
  },
  {
    id: "outbox-messages-miss-oldest",
    file: "core/messages.ts",
    what: "pending leaves out the oldest queued message",
    edits: [["(this.#queue ?? []).map((entry) => entry.message)", "(this.#queue ?? []).slice(1).map((entry) => entry.message)"]],
  },
  {
    id: "incoming-schema-output-ignored",
    file: "core/messages.ts",
    what: "the schema's output (transforms, defaults) is ignored: the raw value is emitted",
    edits: [["  check(data: unknown, value: unknown, schema: StandardSchemaV1, done?: (value: unknown) => void, fail?: (error: Error) => void): void | Promise<void> {\n    const result = schema[\"~standard\"].validate(value);\n", "  check(data: unknown, value: unknown, schema: StandardSchemaV1, done?: (value: unknown) => void, fail?: (error: Error) => void): void | Promise<void> {\n    const result = schema[\"~standard\"].validate(value);\n    if (!(result instanceof Promise) && !result.issues) return done ? done(value) : this.emit(\"message\", value);\n"]],
  },
  {
    id: "options-maxretries-fraction",
    file: "core/options.ts",
    what: "a fractional maxRetries or queue.max is accepted",
    edits: [[" && !(value % COUNTS[name]!)", ""]],
  },
  {
    id: "options-connect-timeout-zero",
    file: "core/options.ts",
    what: "connectTimeout 0 is accepted",
    edits: [["connectTimeout: 5e-324,", "connectTimeout: 0,"]],
  },
  {
    id: "options-merge-undefined",
    file: "core/options.ts",
    what: "a nested option given as undefined replaces its default",
    edits: [["if (given !== undefined && k !== \"url\")", "if (k !== \"url\")"]],
  },
  {
    id: "options-codec-delivery-allowed",
    file: "core/options.ts",
    what: "a codec with atLeastOnce() is accepted",
    edits: [["if (options.delivery && options.codec) throw", "if (false) throw"]],
  },
  {
    id: "options-ttl-zero",
    file: "core/options.ts",
    what: "queue.ttl 0 is accepted",
    edits: [["ttl: 5e-324,", "ttl: 0,"]],
  },
  {
    id: "options-show-infinity-as-null",
    file: "core/errors.ts",
    what: "Infinity and NaN shown as null in messages",
    edits: [['typeof value === "string" || typeof value === "object" ?', 'typeof value === "string" || typeof value === "object" || typeof value === "number" ?']],
  },
  {
    id: "options-unknown-accepted",
    file: "core/options.ts",
    what: "an unknown option name is accepted silently",
    edits: [["      if (!Object.hasOwn(name ? fallback : KNOWN, k)) refuse(path, given);\n", ""]],
  },
  {
    id: "options-contradiction-accepted",
    file: "core/options.ts",
    what: "backoff.initial above backoff.max is accepted",
    edits: [["  if (initial > max) {", "  if (false) {"]],
  },
  {
    id: "client-reset-after-never",
    file: "core/connection.ts",
    what: "a stable connection never resets the retry count",
    edits: [[">= this.options.backoff.resetAfter) this.#retries = 0;", ">= Infinity) this.#retries = 0;"]],
  },
  {
    id: "client-reset-after-always",
    file: "core/connection.ts",
    what: "any connection resets the retry count, however short",
    edits: [["if (this.phase > 4 && this.options.clock.now() - this.#openedAt >= this.options.backoff.resetAfter)", "if (this.phase > 4)"]],
  },
  {
    id: "client-stale-socket-heard",
    file: "core/connection.ts",
    what: "events of a socket already let go are acted on",
    edits: [["this.run(() => this.#attempt(3));\n      return;\n", "this.run(() => this.#attempt(3));\n"]],
  },
  {
    id: "client-heartbeat-timeout-early",
    file: "core/heartbeat.ts",
    what: "the heartbeat timeout is half what it should be",
    edits: [["if (this.phase > 4) this.go(phase, heartbeat.timeout);", "if (this.phase > 4) this.go(phase, heartbeat.timeout / 2);"]],
  },
  {
    id: "client-traffic-not-heard",
    file: "core/heartbeat.ts",
    what: "incoming traffic does not count as life",
    edits: [["const now = (this.#heard = this.options.clock.now());", "const now = this.options.clock.now();"]],
  },
  {
    id: "client-no-pong-reply",
    file: "core/heartbeat.ts",
    what: "the server's ping is not answered",
    edits: [["if (data === heartbeat.ping) return void this.write(heartbeat.pong);", "if (data === heartbeat.ping) return;"]],
  },
  {
    id: "client-max-retries-off-by-one",
    file: "core/connection.ts",
    what: "gives up one retry early",
    edits: [["again && attempt <= o.maxRetries", "again && attempt < o.maxRetries"]],
  },
  {
    id: "client-open-attempt-count",
    file: "core/connection.ts",
    what: "open reports the wrong attempt",
    edits: [["const attempt = this.#retries + 1;", "const attempt = this.#retries;"]],
  },
  {
    id: "client-send-overtakes-queue",
    file: "core/messages.ts",
    what: "send() while open overtakes what is queued",
    edits: [["return this.isOpen && !this.#queue?.length && this.#transmit(entry) ?", "return this.isOpen && this.#transmit(entry) ?"]],
  },
  {
    id: "client-no-closing-hook",
    file: "core/connection.ts",
    what: "close() gives features no last word (final ack)",
    edits: [["      if (this.phase > 4) this.hook(\"closing\");\n", ""]],
  },
  {
    id: "client-offline-spends-attempts",
    file: "core/connection.ts",
    what: "attempts are spent while the browser is offline",
    edits: [["return browser.navigator?.onLine !== false ? this.#attempt(3) : this.arm(LATE_MS);", "return this.#attempt(3);"]],
  },
  {
    id: "client-pending-no-expire",
    file: "core/messages.ts",
    what: "pending shows expired messages",
    edits: [["    this.run(() => this.#expire());\n", ""]],
  },
  {
    id: "client-waiters-not-rejected",
    file: "core/connection.ts",
    what: "opened() never settles when the client closes or gives up",
    edits: [["    this.#settle(error);\n", ""]],
  },
  {
    id: "client-no-connect-timeout",
    file: "core/connection.ts",
    what: "an attempt never times out",
    edits: [["this.go(phase, this.options.connectTimeout);", "this.go(phase);"]],
  },
  {
    id: "client-heartbeat-not-forced",
    file: "core/connection.ts",
    what: "a heartbeat timeout asks shouldReconnect (and may stop)",
    edits: [["let again = reason === DEAD;", "let again = false;"]],
  },
  {
    id: "client-rtt-wrong",
    file: "core/heartbeat.ts",
    what: "the round trip is measured from the wrong time",
    edits: [["const rtt = now - this.due + heartbeat.timeout;", "const rtt = now - this.due;"]],
  },
  {
    id: "client-late-url-not-ignored",
    file: "core/connection.ts",
    what: "a url that resolves after its attempt was abandoned still opens a socket",
    edits: [["(url) => token === this.#timer && this.run(", "(url) => this.run("]],
  },
  {
    id: "heartbeat-calibration-off",
    file: "core/heartbeat.ts",
    what: "a server that never answers is reconnected to forever",
    edits: [["if (this.#calibration !== 1) {", "if (true) {"]],
  },
  {
    id: "heartbeat-any-frame-answers",
    file: "core/heartbeat.ts",
    what: "any frame, not only a pong, counts as the server speaking the heartbeat",
    edits: [["      const pinging = this.phase > 5;\n", "      const pinging = this.phase > 5;\n      if (this.#calibration < 3) this.#calibration = 2;\n"]],
  },
  {
    id: "heartbeat-keeps-pinging",
    file: "core/heartbeat.ts",
    what: "after HEARTBEAT_UNANSWERED the client keeps pinging",
    edits: [["    this.#calibration = 3;\n", ""]],
  },
  {
    id: "heartbeat-answered-forgotten",
    file: "core/heartbeat.ts",
    what: "an answered server is still given the never-answered grace",
    edits: [["        if (this.#calibration < 3) this.#calibration = 2;\n", ""]],
  },
  {
    id: "connect-failed-silent",
    file: "core/connection.ts",
    what: "a failed attempt emits no error",
    edits: [["    if (failed) this.emit(", "    if (false) this.emit("]],
  },
  {
    id: "gave-up-says-closed",
    file: "core/connection.ts",
    what: "giving up rejects opened() with CLOSED",
    edits: [["new LifelineError(\"GAVE_UP\"", "new LifelineError(\"CLOSED\""]],
  },
  {
    id: "alo-invalid-data-envelope",
    file: "at-least-once/index.ts",
    what: "invalid.data is the wire envelope with atLeastOnce()",
    edits: [["return next(frame!.data, frame!.re, frame!.data);", "return next(frame!.data, frame!.re);"]],
  },
  {
    id: "session-id-math-random",
    file: "random-id.ts",
    what: "session ids from Math.random",
    edits: [["crypto.getRandomValues(new Uint8Array(16))", "new Uint8Array(16).map(() => Math.random() * 256)"]],
  },
];
