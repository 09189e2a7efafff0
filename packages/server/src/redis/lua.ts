// The Lua that the Redis store's scripts (./scripts.ts) are built from: the
// helpers a script may call, and script(), which gives each script only the
// helpers its body calls.
//
// Numbers that may pass 2^31 (fences, timestamps) are written with
// string.format("%.0f") because Lua's own number-to-string conversion would
// round them to 14 digits (the `num` helper).
/** Lua: `now()`, Redis's clock in ms (the topics' scripts use it too). */
export const LUA_NOW = `
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * The helpers a script may call, by name. A script's source gets only those
 * it calls (script() below): Redis runs the prelude on every call, and
 * defining every helper each time was most of the commonest script's cost
 * (RECORD, a connection's mark: about 30 µs per call with all seven, 21 µs
 * with the one it uses, in the server bench's client→server phase).
 */
const HELPERS: ReadonlyArray<readonly [name: string, lua: string]> = [
  ["now", LUA_NOW],
  ["num", "local function num(x) return string.format('%.0f', x) end\n"],
  [
    "expire",
    `local function expire(ms)
  redis.call('PEXPIRE', h, ms)
  redis.call('PEXPIRE', q, ms)
end
`,
  ],
  [
    "event",
    `local function event(channel, kind, session, field, value)
  redis.call('PUBLISH', channel, '{"type":"' .. kind .. '","session":' .. cjson.encode(session) .. ',"' .. field .. '":' .. value .. '}')
end
`,
  ],
  [
    "index",
    `-- the index of the session's user (nil: anonymous); ARGV names the index prefix
local function index(prefix, user)
  if not user or user == '' then return nil end
  return prefix .. user
end
`,
  ],
  [
    "keep",
    `-- a key's TTL grows to at least ms (an index lives as long as its longest session)
local function keep(key, ms)
  if redis.call('PTTL', key) < tonumber(ms) then redis.call('PEXPIRE', key, ms) end
end
`,
  ],
  [
    "fenced",
    `-- nil when the write may go ahead; else what a fenced write answers
local function fenced(fence)
  local r = redis.call('HMGET', h, 'fence', 'reset')
  if not r[1] or r[2] then return 'gone' end
  if tonumber(r[1]) ~= tonumber(fence) then return 'fenced' end
  return nil
end
`,
  ],
];

/** One script: its source, and its SHA1 once Redis loaded it. */
export interface Script {
  readonly name: string;
  readonly lua: string;
}

/** A script over one session's keys (`h`, `q`), with the helpers its body calls. */
export const script = (name: string, body: string): Script => ({
  name,
  lua: ["local h, q = KEYS[1], KEYS[2]\n", ...HELPERS.filter(([helper]) => new RegExp(`\\b${helper}\\(`).test(body)).map(([, lua]) => lua), body].join(""),
});
