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
  // ---- core/heartbeat.ts ----------------------------------------------------
  {
    id: "heartbeat-never-dead",
    file: "core/heartbeat.ts",
    what: "isDead never declares the line dead",
    edits: [["return secondPing || now - due <= LATE_MS;", "return false;"]],
  },
  {
    id: "heartbeat-no-sleep-recheck",
    file: "core/heartbeat.ts",
    what: "the late-timer (sleep) recheck removed: a late pinging timer declares the line dead at once",
    edits: [["return secondPing || now - due <= LATE_MS;", "return true;"]],
  },
  {
    id: "heartbeat-rearm-full-interval",
    file: "core/heartbeat.ts",
    what: "after traffic, the open timer re-arms for a whole interval instead of the silence left",
    edits: [["heartbeat.interval - silence;", "heartbeat.interval;"]],
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
  // ---- core/phases.ts -------------------------------------------------------
  {
    id: "phases-heard-ignored",
    file: "core/phases.ts",
    what: "a frame heard while pinging does not bring the phase back to open",
    edits: [["return phase === \"pinging\" ? \"open\" : undefined;", "return undefined;"]],
  },
  {
    id: "phases-pinging-leaks",
    file: "core/phases.ts",
    what: "the internal pinging phase leaks as a public state",
    edits: [[", pinging: \"open\" };", " };"]],
  },
  {
    id: "phases-retrying-is-connecting",
    file: "core/phases.ts",
    what: "a retry attempt is reported as connecting instead of reconnecting",
    edits: [["{ retrying: \"reconnecting\",", "{ retrying: \"connecting\","]],
  },
  // ---- core/events.ts -------------------------------------------------------
  {
    id: "events-throw-stops-others",
    file: "core/events.ts",
    what: "a handler that throws stops the handlers after it",
    edits: [["{ cause }));\n      }\n    }", "{ cause }));\n        break;\n      }\n    }"]],
  },
  {
    id: "events-mid-change",
    file: "core/events.ts",
    what: "events emitted mid-change instead of after the change",
    edits: [["if (this.#depth > 0 || this.#dispatching)", "if (this.#dispatching)"]],
  },
  {
    id: "events-reentrant-dispatch",
    file: "core/events.ts",
    what: "an event raised by a handler is dispatched nested, before the current event reaches its other handlers",
    edits: [["if (this.#depth > 0 || this.#dispatching)", "if (this.#depth > 0)"]],
  },
  {
    id: "events-held-reversed",
    file: "core/events.ts",
    what: "held events delivered newest first after a change",
    edits: [["!this.#dispatching && this.#held?.shift();", "!this.#dispatching && this.#held?.pop();"]],
  },
  {
    id: "events-duplicate-handler",
    file: "core/events.ts",
    what: "the same handler subscribed twice runs twice",
    edits: [["if (this.#find(type, handler) < 0) this.#list =", "this.#list ="]],
  },
  // ---- core/url.ts ----------------------------------------------------------
  {
    id: "url-query-not-redacted",
    file: "core/url.ts",
    what: "url redaction keeps the query (tokens)",
    edits: [["if (parsed.search) parsed.search = \"?***\";", ""]],
  },
  {
    id: "url-user-not-redacted",
    file: "core/url.ts",
    what: "url redaction keeps the user name",
    edits: [["parsed.username = \"***\";", ""]],
  },
  {
    id: "url-redactin-query",
    file: "core/url.ts",
    what: "a runtime error quoting the query alone is not redacted",
    edits: [["return search ? out.split(search).join(\"?***\") : out;", "return out;"]],
  },
  {
    id: "url-http-kept",
    file: "core/url.ts",
    what: "an http: url is accepted but not turned into ws:",
    edits: [["parsed!.protocol = protocol;", ""]],
  },
  // ---- core/browser.ts ------------------------------------------------------
  {
    id: "browser-visible-inverted",
    file: "core/browser.ts",
    what: "the page becoming hidden (not visible) cuts the backoff short",
    edits: [["doc?.visibilityState === \"visible\" && hurry()", "doc?.visibilityState !== \"visible\" && hurry()"]],
  },
  {
    id: "browser-unwatch-noop",
    file: "core/browser.ts",
    what: "stopping the watch leaves the listeners in place",
    edits: [["for (const [target, type, fn] of watched) target.removeEventListener(type, fn);", "void watched;"]],
  },
  {
    id: "browser-online-missing-is-offline",
    file: "core/browser.ts",
    what: "navigator.onLine missing (Node) is read as offline",
    edits: [["?.onLine !== false;", "?.onLine === true;"]],
  },
  // ---- core/iterate.ts ------------------------------------------------------
  {
    id: "iterate-never-ends",
    file: "core/iterate.ts",
    what: "for await never ends when the client closes",
    edits: [["to === \"closed\" && finish()", "to === \"idle\" && finish()"]],
  },
  {
    id: "iterate-lifo",
    file: "core/iterate.ts",
    what: "buffered messages are read newest first",
    edits: [["value: buffer.shift()!", "value: buffer.pop()!"]],
  },
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
  // ---- core/socket.ts -------------------------------------------------------
  {
    id: "socket-close-code-kept",
    file: "core/socket.ts",
    what: "a close code outside 1000–4999 (Deno's 0) is reported as is",
    edits: [["typeof code === \"number\" && code >= 1000 && code <= 4999 ? code : ABNORMAL", "typeof code === \"number\" ? code : ABNORMAL"]],
  },
  {
    id: "socket-view-not-sliced",
    file: "core/socket.ts",
    what: "a binary view (Bun's Buffer) is passed on as its whole backing buffer",
    edits: [["data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer", "data.buffer as ArrayBuffer"]],
  },
  {
    id: "socket-binarytype-unset",
    file: "core/socket.ts",
    what: "binaryType is not set to arraybuffer",
    edits: [["ws.binaryType = \"arraybuffer\";", ""]],
  },
  {
    id: "socket-release-keeps-listening",
    file: "core/socket.ts",
    what: "a released socket keeps its listeners",
    edits: [["for (const type of EVENTS) ws.removeEventListener(type, listener);", ""]],
  },
  {
    id: "socket-release-no-close",
    file: "core/socket.ts",
    what: "a released socket is not closed",
    edits: [["ws.close(code, reason);", ""]],
  },
  {
    id: "socket-error-kept-once-open",
    file: "core/socket.ts",
    what: "an open socket keeps its error listener (~200 B per idle client in Node)",
    edits: [["  ws.removeEventListener(\"error\", listener);\n", ""]],
  },
  {
    id: "socket-error-not-heard",
    file: "core/socket.ts",
    what: "the client never listens to error, so a refused attempt (Node: error only) stalls",
    edits: [["const EVENTS = [\"open\", \"close\", \"error\", \"message\"] as const;", "const EVENTS = [\"open\", \"close\", \"message\"] as const;"]],
  },
  // ---- core/outbox.ts -------------------------------------------------------
  {
    id: "outbox-drop-oldest-drops-newest",
    file: "core/outbox.ts",
    what: "queue drop-oldest drops the newest",
    edits: [["const dropped = this.shift();", "const dropped = this.#items.pop();"]],
  },
  {
    id: "outbox-ttl-never-expires",
    file: "core/outbox.ts",
    what: "ttl never expires",
    edits: [["if (this.#options.ttl === Infinity) return expired;", "return expired;"]],
  },
  {
    id: "outbox-ttl-boundary",
    file: "core/outbox.ts",
    what: "an entry exactly ttl old is kept",
    edits: [["now - head.at >= this.#options.ttl", "now - head.at > this.#options.ttl"]],
  },
  {
    id: "outbox-max-off-by-one",
    file: "core/outbox.ts",
    what: "the queue holds max + 1",
    edits: [["if (this.size < this.#options.max) {", "if (this.size <= this.#options.max) {"]],
  },
  {
    id: "outbox-flush-reversed",
    file: "core/outbox.ts",
    what: "flush order reversed (queue read newest first)",
    edits: [
      ["const entry = this.#items[this.#head++];", "const entry = this.#items.pop();"],
      ["return this.#items[this.#head];", "return this.#items[this.#items.length - 1];"],
    ],
  },
  {
    id: "outbox-schema-output-ignored",
    file: "core/outbox.ts",
    what: "the outgoing schema's output (transforms, defaults) is dropped; the raw message is sent",
    edits: [["  return result.value;\n}", "  return message;\n}"]],
  },
  {
    id: "outbox-messages-include-sent",
    file: "core/outbox.ts",
    what: "pending lists messages already flushed",
    edits: [["return this.#items.slice(this.#head).map", "return this.#items.map"]],
  },
  // ---- core/incoming.ts -----------------------------------------------------
  {
    id: "incoming-never-busy",
    file: "core/incoming.ts",
    what: "frames after one behind an async schema overtake it",
    edits: [["return this.#tail !== undefined;", "return false;"]],
  },
  {
    id: "incoming-fail-not-called",
    file: "core/incoming.ts",
    what: "a value failing its schema does not call fail (a request's bad reply is not rejected)",
    edits: [["    fail?.(error);\n", ""]],
  },
  {
    id: "incoming-schema-output-ignored",
    file: "core/incoming.ts",
    what: "the incoming schema's output is dropped; the raw value is delivered",
    edits: [["if (!result.issues) return pass(events, result.value, done);", "if (!result.issues) return pass(events, value, done);"]],
  },
  {
    id: "incoming-decode-silent",
    file: "core/incoming.ts",
    what: "an undecodable frame is dropped without an invalid event",
    edits: [["    invalid(events, data, `could not decode the message: ${describe(cause)}`, cause);\n", "    void cause;\n"]],
  },
  // ---- core/options.ts ------------------------------------------------------
  {
    id: "options-maxretries-fraction",
    file: "core/options.ts",
    what: "option rule for maxRetries accepts 1.5",
    edits: [["const count = (v: unknown) => v === Infinity || (Number.isInteger(v) && (v as number) >= 0);", "const count = (v: unknown) => v === Infinity || (typeof v === \"number\" && v >= 0);"]],
  },
  {
    id: "options-connect-timeout-zero",
    file: "core/options.ts",
    what: "connectTimeout accepts 0",
    edits: [["connectTimeout: \"positive\",", "connectTimeout: \"ms\","]],
  },
  {
    id: "options-merge-undefined",
    file: "core/options.ts",
    what: "a nested option given as undefined overrides its default",
    edits: [["for (const [key, value] of Object.entries(given as object)) if (value !== undefined) out[key] = value;", "for (const [key, value] of Object.entries(given as object)) out[key] = value;"]],
  },
  {
    id: "options-codec-delivery-allowed",
    file: "core/options.ts",
    what: "a custom codec is accepted with delivery",
    edits: [["if (o.delivery && options.codec) throw", "if (false) throw"]],
  },
  {
    id: "options-ttl-zero",
    file: "core/options.ts",
    what: "queue.ttl accepts 0",
    edits: [["ttl: [(v) => v === Infinity || (finite(v) && v > 0),", "ttl: [(v) => v === Infinity || finite(v),"]],
  },
  {
    id: "options-show-infinity-as-null",
    file: "core/options.ts",
    what: "an option error quotes Infinity and NaN as JSON does (null)",
    edits: [["  if (typeof value === \"number\") return String(value);\n", ""]],
  },
  {
    id: "events-off-removes-neighbour",
    file: "core/events.ts",
    what: "off() removes the handler's type and the next entry instead of its own pair",
    edits: [["list.slice(0, at).concat(list.slice(at + 2))", "list.slice(0, at + 1).concat(list.slice(at + 3))"]],
  },
  // ---- core/client.ts -------------------------------------------------------
  {
    id: "client-reset-after-never",
    file: "core/client.ts",
    what: "resetAfter never resets the retry count",
    edits: [[">= this.#o.backoff.resetAfter) this.#retries = 0;", ">= this.#o.backoff.resetAfter) this.#retries += 0;"]],
  },
  {
    id: "client-reset-after-always",
    file: "core/client.ts",
    what: "any open connection resets the retry count, however short",
    edits: [["if (this.#isOpen() && this.#o.clock.now() - this.#openedAt >= this.#o.backoff.resetAfter)", "if (this.#isOpen())"]],
  },
  {
    id: "client-stale-socket-heard",
    file: "core/client.ts",
    what: "a stale socket's events are not ignored",
    edits: [["if (event.target !== undefined && event.target !== this.#socket) return;", ""]],
  },
  {
    id: "client-heartbeat-timeout-early",
    file: "core/client.ts",
    what: "the heartbeat declares the line dead after half the timeout",
    edits: [["next === \"pinging\" && heartbeat.timeout", "next === \"pinging\" && heartbeat.timeout / 2"]],
  },
  {
    id: "client-traffic-not-heard",
    file: "core/client.ts",
    what: "only pongs count as life: other frames do not defer the ping",
    edits: [["const now = (this.#heard = this.#o.clock.now());", "const now = this.#o.clock.now();"]],
  },
  {
    id: "client-no-pong-reply",
    file: "core/client.ts",
    what: "a server ping is not answered with a pong",
    edits: [["if (data === heartbeat.ping) return void this.#write(heartbeat.pong);", "if (data === heartbeat.ping) return;"]],
  },
  {
    id: "client-max-retries-off-by-one",
    file: "core/client.ts",
    what: "gives up one retry early (retry < maxRetries)",
    edits: [["again && retry <= o.maxRetries", "again && retry < o.maxRetries"]],
  },
  {
    id: "client-open-attempt-count",
    file: "core/client.ts",
    what: "open's attempt counts from 0",
    edits: [["const attempt = this.#retries + 1;", "const attempt = this.#retries;"]],
  },
  {
    id: "client-send-overtakes-queue",
    file: "core/client.ts",
    what: "send() while open writes before what is still queued",
    edits: [["if (this.#isOpen() && !this.#queue?.size && this.#transmit(entry))", "if (this.#isOpen() && this.#transmit(entry))"]],
  },
  {
    id: "client-no-closing-hook",
    file: "core/client.ts",
    what: "close() does not give features their last words (final ack)",
    edits: [["if (this.#isOpen()) for (const x of this.#features) x.closing?.();", ""]],
  },
  {
    id: "client-offline-spends-attempts",
    file: "core/client.ts",
    what: "while offline, the end of a backoff still spends an attempt",
    edits: [["return isOnline() ? this.#attempt(\"attempt\") : this.#arm(Math.max(this.#delay, OFFLINE_RECHECK_MS));", "return this.#attempt(\"attempt\");"]],
  },
  {
    id: "client-pending-no-expire",
    file: "core/client.ts",
    what: "pending lists messages past their ttl",
    edits: [["this.#events.batch(() => this.#expire());\n    return [", "return ["]],
  },
  {
    id: "client-waiters-not-rejected",
    file: "core/client.ts",
    what: "opened() never settles when the client closes first",
    edits: [["for (const waiter of this.#waiters?.splice(0) ?? []) waiter.reject(closedError());", ""]],
  },
  {
    id: "client-no-connect-timeout",
    file: "core/client.ts",
    what: "the connect timeout is never armed",
    edits: [["next === \"connecting\" || next === \"retrying\"\n        ? this.#o.connectTimeout", "next === \"connecting\" || next === \"retrying\"\n        ? false"]],
  },
  {
    id: "client-heartbeat-not-forced",
    file: "core/client.ts",
    what: "a heartbeat timeout asks shouldReconnect instead of always reconnecting",
    edits: [["this.#lost(lostWith(ABNORMAL, \"heartbeat timeout\"), true)", "this.#lost(lostWith(ABNORMAL, \"heartbeat timeout\"))"]],
  },
  {
    id: "client-rtt-wrong",
    file: "core/client.ts",
    what: "heartbeat rtt measured from the last frame instead of the ping",
    edits: [["(this.#latency = now - this.#pingAt)", "(this.#latency = now - this.#openedAt)"]],
  },
  {
    id: "client-late-url-not-ignored",
    file: "core/client.ts",
    what: "a url that resolves late for an abandoned attempt still opens a socket",
    edits: [["(resolved) => token === this.#token && this.#events.batch", "(resolved) => this.#events.batch"]],
  },
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
    edits: [["if (++unackedIn >= ackEvery) sendAck();\n            else ackTimer", "++unackedIn;\n            ackTimer"]],
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
    edits: [["line.events.emit(\"reset\", { reason: String(frame!.reason ?? \"\") });", ""]],
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
    edits: [["return line.check(data, value, request.schema", "void next(value, re);\n          return line.check(data, value, request.schema"]],
  },
  {
    id: "request-id-not-merged",
    file: "request/index.ts",
    what: "without atLeastOnce the id is not put in the message",
    edits: [["? value : { ...(value as object), id: meta.id })", "? value : value)"]],
  },
  {
    id: "request-envelope-re-ignored",
    file: "request/index.ts",
    what: "a reply's re in the at-least-once envelope is ignored",
    edits: [["const id = re ?? (value as { re?: unknown } | null)?.re;", "const id = (value as { re?: unknown } | null)?.re;"]],
  },
  {
    id: "request-close-not-rejected",
    file: "request/index.ts",
    what: "pending requests are not rejected when the client closes",
    edits: [["for (const request of [...waiting.values()]) request.reject(closedError());", ""]],
  },
  {
    id: "request-default-timeout",
    file: "request/index.ts",
    what: "the timeout option is ignored (always the default)",
    edits: [["    }, timeout);", "    }, DEFAULT_TIMEOUT);"]],
  },
  {
    id: "request-ids-repeat",
    file: "request/index.ts",
    what: "ids repeat when an injected random repeats (no counter)",
    edits: [["${(++requests.count).toString(36)}", ""]],
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
    what: "a send() that throws leaves the request waiting (and its timer)",
    edits: [["    } catch (error) {\n      settle();\n      reject(error);", "    } catch (error) {\n      reject(error);"]],
  },
];
