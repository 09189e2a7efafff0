// The Redis store's methods, each one Lua script: Redis runs a script as one
// step, so a node that dies (or a connection that drops) between two writes
// of a method cannot leave half an update behind.
//
// Keys of one session (the `{…}` hash tag keeps both in one Cluster slot):
//   KEYS[1]  hash  fence owner attached inbound sent acked created seen reset
//   KEYS[2]  list  the replay buffer: bodies of acked+1 … sent, oldest first
// Both carry the same TTL: a lease while attached (renewed by the owning
// node), `sessionTtl` once detached or made a tombstone.
//
// Numbers that may pass 2^31 (fences, timestamps) are written with
// string.format("%.0f") because Lua's own number-to-string conversion would
// round them to 14 digits.

const PRELUDE = `
local h, q = KEYS[1], KEYS[2]
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function num(x) return string.format('%.0f', x) end
local function expire(ms)
  redis.call('PEXPIRE', h, ms)
  redis.call('PEXPIRE', q, ms)
end
local function event(channel, kind, session, field, value)
  redis.call('PUBLISH', channel, '{"type":"' .. kind .. '","session":' .. cjson.encode(session) .. ',"' .. field .. '":' .. value .. '}')
end
-- nil when the write may go ahead; else what a fenced write answers
local function fenced(fence)
  local r = redis.call('HMGET', h, 'fence', 'reset')
  if not r[1] or r[2] then return 'gone' end
  if tonumber(r[1]) ~= tonumber(fence) then return 'fenced' end
  return nil
end
`;

/** One script: its source, and its SHA1 once Redis loaded it. */
export interface Script {
  readonly name: string;
  readonly lua: string;
}

const script = (name: string, body: string): Script => ({ name, lua: PRELUDE + body });

/**
 * ARGV: session, node, create ("1"/"0"), channel prefix, lease ms.
 * → {"absent"} | {"tombstone", reason} | {"attached", created, fence, inbound, sent, acked}
 * The fence is max(previous + 1, Redis time in ms): it grows per session and,
 * after Redis lost its data, a fresh record's fence is still above any fence
 * handed out before (so a connection from before the loss is fenced out).
 */
export const ATTACH = script(
  "attach",
  `
local session, node, create, prefix, lease = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local t = now()
local r = redis.call('HMGET', h, 'fence', 'owner', 'attached', 'reset', 'inbound', 'sent', 'acked')
local created = 0
if not r[1] then
  if create ~= '1' then return {'absent'} end
  created = 1
  redis.call('DEL', q)
  redis.call('HSET', h, 'inbound', 0, 'sent', 0, 'acked', 0, 'created', num(t))
  r = {'0', false, '0', false, '0', '0', '0'}
elseif r[4] then
  redis.call('DEL', h, q)
  return {'tombstone', r[4]}
end
local fence = math.max(tonumber(r[1]) + 1, t)
if r[3] == '1' and r[2] then event(prefix .. r[2], 'takeover', session, 'fence', num(fence)) end
redis.call('HSET', h, 'fence', num(fence), 'owner', node, 'attached', '1', 'seen', num(t))
expire(lease)
return {'attached', created, fence, tonumber(r[5]), tonumber(r[6]), tonumber(r[7])}
`,
);

/** ARGV: fence, seq. → "ok" | "fenced" | "gone" */
export const RECORD = script(
  "record",
  `
local bad = fenced(ARGV[1])
if bad then return bad end
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', h, 'inbound')) then redis.call('HSET', h, 'inbound', ARGV[2]) end
return 'ok'
`,
);

/**
 * ARGV: session, body, replay max, channel prefix, sessionTtl ms.
 * → {"stored", seq} | {"absent"} | {"overflow"}
 */
export const APPEND = script(
  "append",
  `
local session, body, max, prefix, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local r = redis.call('HMGET', h, 'sent', 'acked', 'attached', 'owner', 'reset')
if not r[1] or r[5] then return {'absent'} end
local sent = tonumber(r[1])
local live = r[3] == '1' and r[4]
if sent - tonumber(r[2]) >= max then
  if live then event(prefix .. r[4], 'reset', session, 'reason', '"overflow"') end
  redis.call('DEL', q)
  redis.call('HSET', h, 'reset', 'overflow', 'attached', '0')
  redis.call('PEXPIRE', h, ttl)
  return {'overflow'}
end
sent = sent + 1
redis.call('RPUSH', q, body)
redis.call('HSET', h, 'sent', sent)
local left = redis.call('PTTL', h)
if left > 0 then redis.call('PEXPIRE', q, left) end
if live then event(prefix .. r[4], 'append', session, 'seq', sent) end
return {'stored', sent}
`,
);

/** ARGV: fence, seq. → "ok" | "fenced" | "gone" */
export const ACKNOWLEDGE = script(
  "acknowledge",
  `
local bad = fenced(ARGV[1])
if bad then return bad end
local r = redis.call('HMGET', h, 'sent', 'acked')
local upTo, acked = math.min(tonumber(ARGV[2]), tonumber(r[1])), tonumber(r[2])
if upTo > acked then
  redis.call('LTRIM', q, upTo - acked, -1)
  redis.call('HSET', h, 'acked', upTo)
end
return 'ok'
`,
);

/** ARGV: after, limit. → nil (no live session) | {first seq - 1, {bodies…}} */
export const READ = script(
  "read",
  `
local r = redis.call('HMGET', h, 'acked', 'reset')
if not r[1] or r[2] then return false end
local acked = tonumber(r[1])
local from = math.max(tonumber(ARGV[1]), acked)
local start = from - acked
return {from, redis.call('LRANGE', q, start, start + tonumber(ARGV[2]) - 1)}
`,
);

/** ARGV: fence, sessionTtl ms. → "ok" | "fenced" | "gone" */
export const DETACH = script(
  "detach",
  `
local bad = fenced(ARGV[1])
if bad then return bad end
redis.call('HSET', h, 'attached', '0', 'seen', num(now()))
expire(ARGV[2])
return 'ok'
`,
);

/** ARGV: fence. → "ok" | "fenced" | "gone" */
export const DROP = script(
  "drop",
  `
local bad = fenced(ARGV[1])
if bad then return bad end
redis.call('DEL', h, q)
return 'ok'
`,
);

/** ARGV: fence, lease ms. Renews the lease of an attached session this fence still owns. → 1 | 0 */
export const RENEW = script(
  "renew",
  `
local r = redis.call('HMGET', h, 'fence', 'attached', 'reset')
if not r[1] or r[3] or r[2] ~= '1' or tonumber(r[1]) ~= tonumber(ARGV[1]) then return 0 end
expire(ARGV[2])
return 1
`,
);

/** → nil | {attached, owner, fence, inbound, sent, acked, created, seen, reset, buffered} (strings) */
export const INSPECT = script(
  "inspect",
  `
local r = redis.call('HMGET', h, 'attached', 'owner', 'fence', 'inbound', 'sent', 'acked', 'created', 'seen', 'reset')
if not r[3] then return false end
for i = 1, 9 do r[i] = r[i] or '' end
r[10] = tostring(redis.call('LLEN', q))
return r
`,
);
