// The Redis store's methods, each one Lua script: Redis runs a script as one
// step, so a node that dies (or a connection that drops) between two writes
// of a method cannot leave half an update behind.
//
// Keys of one session (the `{…}` hash tag keeps both in one Cluster slot):
//   KEYS[1]  hash  fence owner user attached inbound sent acked created seen reset
//   KEYS[2]  list  the replay buffer: bodies of acked+1 … sent, oldest first
// Both carry the same TTL: a lease while attached (renewed by the owning
// node), `sessionTtl` once detached or made a tombstone.
//
// A named user's index, `<prefix>user:<user>`: a sorted set of their live
// sessions scored by last activity (attach, detach), with a TTL at least as
// long as any of theirs. Members whose session expired are pruned when the
// index is read. The scripts that keep it reach keys they compute (the
// index from a session's `user`, a session from an index member), so the
// store needs one Redis, not a Cluster.
//
// Each script is built by script() (./lua.ts) from its body and the helpers
// the body calls (fenced, now, num, expire, event, index, keep).
import { script } from "./lua.js";
import type { Script } from "./lua.js";

/**
 * KEYS[3]: the user's index. ARGV: session, node, create ("1"/"0"), channel
 * prefix, lease ms, user ("" anonymous), sessionsPerUser (-1: no bound), key
 * prefix, sessionTtl ms.
 * → {"absent"} | {"tombstone", reason} | {"attached", created, fence, inbound, sent, acked}
 * Another user's session answers "absent" and is not touched.
 * The fence is max(previous + 1, Redis time in ms): it grows per session and,
 * after Redis lost its data, a fresh record's fence is still above any fence
 * handed out before (so a connection from before the loss is fenced out).
 */
export const ATTACH = script(
  "attach",
  `
local session, node, create, prefix, lease, user, limit, keys, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8], ARGV[9]
local u = KEYS[3]
local t = now()
local r = redis.call('HMGET', h, 'fence', 'owner', 'attached', 'reset', 'inbound', 'sent', 'acked', 'user')
if r[1] and (r[8] or '') ~= user then return {'absent'} end
local created = 0
if not r[1] then
  if create ~= '1' then return {'absent'} end
  created = 1
  redis.call('DEL', q)
  redis.call('HSET', h, 'inbound', 0, 'sent', 0, 'acked', 0, 'created', num(t), 'user', user)
  r = {'0', false, '0', false, '0', '0', '0'}
elseif r[4] then
  redis.call('DEL', h, q)
  return {'tombstone', r[4]}
end
local fence = math.max(tonumber(r[1]) + 1, t)
if r[3] == '1' and r[2] then event(prefix .. r[2], 'takeover', session, 'fence', num(fence)) end
redis.call('HSET', h, 'fence', num(fence), 'owner', node, 'attached', '1', 'seen', num(t))
expire(lease)
if user ~= '' then
  redis.call('ZADD', u, t, session)
  keep(u, lease)
  if created == 1 and limit >= 0 then
    -- the user's other live sessions, least recently active first; gone ones leave the index
    local idle, busy = {}, {}
    for _, m in ipairs(redis.call('ZRANGE', u, 0, -1)) do
      local mh = keys .. '{' .. m .. '}'
      local a = redis.call('HMGET', mh, 'fence', 'reset', 'user', 'attached', 'owner')
      if not a[1] or a[2] or a[3] ~= user then
        redis.call('ZREM', u, m)
      elseif m ~= session then
        local list = (a[4] == '1' and a[5]) and busy or idle
        list[#list + 1] = {m, mh, a[4] == '1' and a[5]}
      end
    end
    -- beyond the bound: those without a live connection go first, the new session stays
    for i = 1, #idle + #busy + 1 - limit do
      local v = idle[i] or busy[i - #idle]
      if v[3] then event(prefix .. v[3], 'reset', v[1], 'reason', '"evicted"') end
      redis.call('DEL', v[2] .. ':q')
      redis.call('HSET', v[2], 'reset', 'evicted', 'attached', '0')
      redis.call('PEXPIRE', v[2], ttl)
      redis.call('ZREM', u, v[1])
    end
  end
end
return {'attached', created, fence, tonumber(r[5]), tonumber(r[6]), tonumber(r[7])}
`,
);

/** KEYS[1]: the user's index (no session keys). ARGV: key prefix, user. → the live sessions, least recently active first */
export const SESSIONS_OF = {
  name: "sessions-of",
  lua: `
local u, keys, user = KEYS[1], ARGV[1], ARGV[2]
local live = {}
for _, m in ipairs(redis.call('ZRANGE', u, 0, -1)) do
  local a = redis.call('HMGET', keys .. '{' .. m .. '}', 'fence', 'reset', 'user')
  if not a[1] or a[2] or a[3] ~= user then redis.call('ZREM', u, m) else live[#live + 1] = m end
end
return live
`,
} satisfies Script;

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
 * Appends a batch of bodies (one session's `send()`s of one tick, see appends.ts).
 * ARGV: session, replay max, channel prefix, sessionTtl ms, user-index prefix,
 * refuse ("1": a connected session's full buffer refuses instead of overflowing),
 * the calling node's channel ("" when it listens for none), then the bodies in order.
 * → {stored, first seq, rest, local}: the first `stored` bodies got seqs first, first + 1, …;
 * the others got `rest`: "absent" | "full" | "overflow" (the first of them
 * overflowed: the session became a tombstone, so the ones after it are "absent").
 * One PUBLISH per batch: the owner reads every new entry on one event; none
 * when the owner is the calling node (`local` 1): that node has the bodies
 * and tells its connection itself, without a Pub/Sub event or a read.
 */
export const APPEND = script(
  "append",
  `
local session, max, prefix, ttl, users, refuse, caller = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6] == '1', ARGV[7]
local n = #ARGV - 7
local r = redis.call('HMGET', h, 'sent', 'acked', 'attached', 'owner', 'reset', 'user')
if not r[1] or r[5] then return {0, 0, 'absent'} end
local sent = tonumber(r[1])
local live = r[3] == '1' and r[4]
local stored = math.max(0, math.min(n, max - (sent - tonumber(r[2]))))
if stored < n and not (live and refuse) then
  if live then event(prefix .. r[4], 'reset', session, 'reason', '"overflow"') end
  local u = index(users, r[6])
  if u then redis.call('ZREM', u, session) end
  redis.call('DEL', q)
  redis.call('HSET', h, 'reset', 'overflow', 'attached', '0', 'sent', num(sent + stored))
  redis.call('PEXPIRE', h, ttl)
  return {stored, sent + 1, 'overflow'}
end
if stored > 0 then
  -- unpack() puts its values on Lua's stack: the batch is at most 1,000 bodies (appends.ts)
  redis.call('RPUSH', q, unpack(ARGV, 8, 7 + stored))
  redis.call('HSET', h, 'sent', num(sent + stored))
  local left = redis.call('PTTL', h)
  if left > 0 then redis.call('PEXPIRE', q, left) end
  if live and prefix .. r[4] == caller then
    return {stored, sent + 1, stored < n and 'full' or '', 1}
  end
  if live then event(prefix .. r[4], 'append', session, 'seq', num(sent + stored)) end
end
return {stored, sent + 1, stored < n and 'full' or '', 0}
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

/** ARGV: fence, sessionTtl ms, index prefix, session. → "ok" | "fenced" | "gone" */
export const DETACH = script(
  "detach",
  `
local bad = fenced(ARGV[1])
if bad then return bad end
local t = now()
redis.call('HSET', h, 'attached', '0', 'seen', num(t))
expire(ARGV[2])
local u = index(ARGV[3], redis.call('HGET', h, 'user'))
if u then
  redis.call('ZADD', u, 'XX', t, ARGV[4])
  keep(u, ARGV[2])
end
return 'ok'
`,
);

/** ARGV: fence, index prefix, session. → "ok" | "fenced" | "gone" */
export const DROP = script(
  "drop",
  `
local bad = fenced(ARGV[1])
if bad then return bad end
local u = index(ARGV[2], redis.call('HGET', h, 'user'))
if u then redis.call('ZREM', u, ARGV[3]) end
redis.call('DEL', h, q)
return 'ok'
`,
);

/** ARGV: fence, lease ms, index prefix. Renews the lease of an attached session this fence still owns (and its user's index). → 1 | 0 */
export const RENEW = script(
  "renew",
  `
local r = redis.call('HMGET', h, 'fence', 'attached', 'reset', 'user')
if not r[1] or r[3] or r[2] ~= '1' or tonumber(r[1]) ~= tonumber(ARGV[1]) then return 0 end
expire(ARGV[2])
local u = index(ARGV[3], r[4])
if u then keep(u, ARGV[2]) end
return 1
`,
);

/** → nil | {attached, owner, fence, inbound, sent, acked, created, seen, reset, buffered, user} (strings) */
export const INSPECT = script(
  "inspect",
  `
local r = redis.call('HMGET', h, 'attached', 'owner', 'fence', 'inbound', 'sent', 'acked', 'created', 'seen', 'reset', 'user')
if not r[3] then return false end
for i = 1, 10 do r[i] = r[i] or '' end
local user = r[10]
r[10] = tostring(redis.call('LLEN', q))
r[11] = user
return r
`,
);
