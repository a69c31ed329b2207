-- The waiting room of one event: every step is one call of this script, so a join or a poll is
-- one round trip and every change is atomic.
-- KEYS (all carry the event's hash tag):
--   1 qmeta: hash {seed, early, late, served, soldout, openedAt, counted, lapsedUpTo, shown}
--   2 qent:  hash user -> 'E:<arrival index>:<joined ms>' (before opening) | 'L:<n>:<joined ms>'
--   3 qadv:  sorted set of admissions by position: score served-up-to, member '<upTo>:<at ms>'
--   4 qadt:  the same admissions by time: score at ms, member '<at ms>:<upTo>'
--   5 qdone: sorted set user -> admitted-at ms of admitted users who no longer wait for seats
--            (they hold or booked some, marked by hold.lua, or were removed): they no longer count
--            against the seats
--   6 qgone: sorted set user -> admitted-at ms of removed (revoked) users
--   7 held:  the event's seat map (seat -> expiry ms, booked seats far in the future)
--   8 loaded marker of the seat map
--   9 the caller's request counter of this window (rate limit)
-- ARGV: 1 op (join | poll | advance | check | revoke | stats | progress), 2 now ms, 3 user,
--   4 seed (fresh random hex from the caller: becomes the shuffle's seed if this call opens the
--   queue), 5 on-sale ms, 6 sales-end ms, 7 seat count, 8 admission ttl ms, 9 admits a minute
--   (0: no cap), 10 requests allowed per window (0: no limit), 11 window ms, 12 ms left in window.
-- Answers: join/poll/check/revoke: {tag, created, joinedAt, position (-1 none), servedUpTo,
--   soldOut, admittedAt (-1 none), removed}, tag 'entry' | 'none' (poll of a user who never joined) |
--   'limited' (then {tag, retry ms}) | 'closed' (join after sales end);
--   advance: {'advance', admitted since the last advance, servedUpTo, total, soldOut,
--   access windows closed since the last advance, whether servedUpTo or soldOut changed since};
--   stats: {'stats', total, servedUpTo, soldOut, active admitted, opened}; progress: the same
--   after an admission step (tagged 'stats').
local op = ARGV[1]
local now = tonumber(ARGV[2])
local user = ARGV[3]
local on_sale, sales_end = tonumber(ARGV[5]), tonumber(ARGV[6])
local seats, ttl, per_minute = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])

local function num(v) return tonumber(v) or 0 end

if (op == 'join' or op == 'poll') and tonumber(ARGV[10]) > 0
    and not within_window(KEYS[9], ARGV[10], ARGV[11]) then
  return {'limited', tonumber(ARGV[12])}
end

-- The first call at or after the opening draws the shuffle's seed: it did not exist before.
local seed = redis.call('HGET', KEYS[1], 'seed')
if not seed and now >= on_sale then
  seed = ARGV[4]
  redis.call('HSET', KEYS[1], 'seed', seed, 'openedAt', now)
end
local early = num(redis.call('HGET', KEYS[1], 'early'))

-- The place of the early joiner with arrival index i among n: a keyed pseudo-random permutation
-- (a balanced Feistel network over SHA-1, walked until it lands inside 0..n-1).
local function shuffled(i, n)
  if n <= 1 then return i end
  local half = 1
  while (2 ^ (2 * half)) < n do half = half + 1 end
  local m = 2 ^ half
  local x = i
  repeat
    local l, r = math.floor(x / m), x % m
    for round = 1, 6 do
      local f = tonumber(string.sub(redis.sha1hex(seed .. ':' .. round .. ':' .. r), 1, 12), 16) % m
      l, r = r, (l + f) % m
    end
    x = l * m + r
  until x < n
  return x
end

-- The last admission at or before time t: how far the queue had been served then.
local function served_at(t)
  local last = redis.call('ZREVRANGEBYSCORE', KEYS[4], t, '-inf', 'LIMIT', 0, 1)
  if #last == 0 then return 0 end
  return tonumber(string.match(last[1], ':(%d+)$'))
end

-- Admits the next positions the seats allow: never more admitted buyers still shopping than seats
-- neither held nor booked, never more than the cap a minute, and that cap spread over the minute
-- (at most a sixtieth of it, rounded up, in any second), so that the hold path takes the admitted
-- as a stream, not as a minute's worth at once. Returns admitted now.
local function advance()
  if not seed or now >= sales_end then return 0 end
  if redis.call('EXISTS', KEYS[8]) == 0 then return 0 end
  local total = early + num(redis.call('HGET', KEYS[1], 'late'))
  local served = num(redis.call('HGET', KEYS[1], 'served'))
  local free = seats - redis.call('ZCOUNT', KEYS[7], '(' .. now, '+inf')
  local cutoff = now - ttl
  local shopping = served - served_at(cutoff) - redis.call('ZCOUNT', KEYS[5], '(' .. cutoff, '+inf')
  local budget = math.min(free - shopping, total - served)
  if per_minute > 0 then
    budget = math.min(budget, per_minute - (served - served_at(now - 60000)),
      math.ceil(per_minute / 60) - (served - served_at(now - 1000)))
  end
  local sold_out = (free <= 0) and 1 or 0
  if num(redis.call('HGET', KEYS[1], 'soldout')) ~= sold_out then
    redis.call('HSET', KEYS[1], 'soldout', sold_out)
  end
  if budget <= 0 then return 0 end
  served = served + budget
  redis.call('HSET', KEYS[1], 'served', served)
  redis.call('ZADD', KEYS[3], served, served .. ':' .. now)
  redis.call('ZADD', KEYS[4], now, now .. ':' .. served)
  return budget
end

local function describe(tag, created, entry)
  local kind, n, joined = string.match(entry, '^(%a):(%d+):(%d+)$')
  n = tonumber(n)
  local position = -1
  if kind == 'L' then
    position = early + n
  elseif seed then
    position = shuffled(n, early) + 1
  end
  local served = num(redis.call('HGET', KEYS[1], 'served'))
  local admitted_at = -1
  if position > 0 and position <= served then
    local first = redis.call('ZRANGEBYSCORE', KEYS[3], position, '+inf', 'LIMIT', 0, 1)
    admitted_at = tonumber(string.match(first[1], ':(%d+)$'))
  end
  local removed = redis.call('ZSCORE', KEYS[6], user) and 1 or 0
  return {tag, created, tonumber(joined), position, served,
    num(redis.call('HGET', KEYS[1], 'soldout')), admitted_at, removed}
end

if op == 'join' then
  if now >= sales_end then return {'closed'} end
  local entry = redis.call('HGET', KEYS[2], user)
  local created = 0
  if not entry then
    if seed then
      entry = 'L:' .. redis.call('HINCRBY', KEYS[1], 'late', 1) .. ':' .. now
    else
      entry = 'E:' .. (redis.call('HINCRBY', KEYS[1], 'early', 1) - 1) .. ':' .. now
      early = early + 1
    end
    redis.call('HSET', KEYS[2], user, entry)
    created = 1
  end
  advance()
  return describe('entry', created, entry)
end

if op == 'poll' or op == 'check' or op == 'revoke' then
  local entry = redis.call('HGET', KEYS[2], user)
  if not entry then return {'none'} end
  if op == 'poll' then advance() end
  local answer = describe('entry', 0, entry)
  local admitted_at = answer[7]
  if admitted_at >= 0 and op == 'revoke' then
    redis.call('ZADD', KEYS[5], 'NX', admitted_at, user)
    redis.call('ZADD', KEYS[6], 'NX', admitted_at, user)
    answer[8] = 1
  end
  return answer
end

if op == 'advance' then
  advance()
  -- The queue's keys live until a week after the sales end (again after each change of it).
  for i = 1, 6 do redis.call('PEXPIREAT', KEYS[i], sales_end + 7 * 86400000) end
  local total = early + num(redis.call('HGET', KEYS[1], 'late'))
  local served = num(redis.call('HGET', KEYS[1], 'served'))
  -- Admissions since the last advance step (polls admit too), for the metrics.
  local counted = num(redis.call('HGET', KEYS[1], 'counted'))
  if served > counted then redis.call('HSET', KEYS[1], 'counted', served) end
  local admitted = math.max(0, served - counted)
  -- Access windows that closed since the last advance (used or not), for the metrics.
  local lapsed_up_to = served_at(now - ttl)
  local before = num(redis.call('HGET', KEYS[1], 'lapsedUpTo'))
  if lapsed_up_to > before then redis.call('HSET', KEYS[1], 'lapsedUpTo', lapsed_up_to) end
  -- Whether what entries show (how far served, sold out or not) changed since the last advance
  -- step said so: then subscribers are told.
  local sold_out = num(redis.call('HGET', KEYS[1], 'soldout'))
  local shown = served .. ':' .. sold_out
  local changed = 0
  if seed and redis.call('HGET', KEYS[1], 'shown') ~= shown then
    redis.call('HSET', KEYS[1], 'shown', shown)
    changed = 1
  end
  return {'advance', admitted, served, total, sold_out, math.max(0, lapsed_up_to - before), changed}
end

if op == 'stats' or op == 'progress' then
  if op == 'progress' then advance() end
  local total = early + num(redis.call('HGET', KEYS[1], 'late'))
  local served = num(redis.call('HGET', KEYS[1], 'served'))
  local cutoff = now - ttl
  local active = served - served_at(cutoff) - redis.call('ZCOUNT', KEYS[6], '(' .. cutoff, '+inf')
  return {'stats', total, served, num(redis.call('HGET', KEYS[1], 'soldout')), active,
    seed and 1 or 0}
end

return redis.error_reply('unknown queue op ' .. tostring(op))
