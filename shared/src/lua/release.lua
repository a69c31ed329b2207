-- Free the seats an owner (a hold, or a booking) has locked. KEYS: 1 owner record (a hold's record),
-- 2 held zset, 3 user zset, 4 seat log, 5 holders hash (seat -> user), 6 owned hash (user -> seats
-- held), 7 the code's uses, 8 the user's write counter of this window (its name carries the
-- window's number), 9 the event's waitlist-line marker, then per seat its lock key and its
-- section's tier zset (a freed seat no longer counts at its price tier: hold.lua), and last,
-- optionally, the hold's pointer (holdref), deleted unless the call is limited: given only where
-- every key lives on one server (not on a cluster, where it has a slot of its own). ARGV: 1 owner
-- id, 2 now ms, 3 event id, 4 log max length, 5 1 if the record must exist, 6 1 to give back the
-- owner's use of a code unless it was paid for (its score is the booked score), 7 the booked score,
-- 8 writes allowed per window (0: do not count this call), 9 the window ms, 10 ms left in it,
-- 11.. seat ids.
-- Returns {'OK', 1 if the event has a waitlist line else 0} | {'GONE'} (a required record gone, or
-- past its expiry) | {'LIMITED', ms to the next window}. Only locks still owned are freed; a freed
-- booked seat's holder no longer holds it.
if tonumber(ARGV[8]) > 0 and not within_window(KEYS[8], ARGV[8], ARGV[9]) then
  return {'LIMITED', ARGV[10]}
end
local seats = math.floor((#KEYS - 9) / 2)
if #KEYS - 9 > 2 * seats then
  redis.call('DEL', KEYS[#KEYS])
end
if ARGV[5] == '1' then
  local expires = redis.call('HGET', KEYS[1], 'expiresAt')
  if not expires or tonumber(expires) <= tonumber(ARGV[2]) then
    return {'GONE'}
  end
end
local freed = {}
for i = 1, seats do
  local seat = ARGV[10 + i]
  if redis.call('GET', KEYS[8 + 2 * i]) == ARGV[1] then
    redis.call('DEL', KEYS[8 + 2 * i])
    redis.call('ZREM', KEYS[9 + 2 * i], seat)
    redis.call('ZREM', KEYS[2], seat)
    redis.call('ZREM', KEYS[3], seat)
    local holder = redis.call('HGET', KEYS[5], seat)
    if holder then
      redis.call('HDEL', KEYS[5], seat)
      redis.call('HINCRBY', KEYS[6], holder, -1)
    end
    freed[#freed + 1] = seat
  end
end
redis.call('DEL', KEYS[1])
if ARGV[6] == '1' then
  local score = redis.call('ZSCORE', KEYS[7], ARGV[1])
  if score and tonumber(score) < tonumber(ARGV[7]) then
    redis.call('ZREM', KEYS[7], ARGV[1])
  end
end
if #freed > 0 then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'type', 'SeatsReleased', 'eventId', ARGV[3],
    'seats', table.concat(freed, ','), 'at', ARGV[2])
end
return {'OK', redis.call('EXISTS', KEYS[9])}
