-- Free the seats an owner (a hold, or a booking) has locked. KEYS: 1 owner record (a hold's record),
-- 2 held zset, 3 user zset, 4 seat log, 5 holders hash (seat -> user), 6 owned hash (user -> seats
-- held), 7 the code's uses, then per seat its lock key and its section's tier zset (a freed seat
-- no longer counts at its price tier: hold.lua). ARGV: 1 owner id, 2 now ms, 3 event id, 4 log max
-- length, 5 1 if the record must exist, 6 1 to give back the owner's use of a code unless it was
-- paid for (its score is the booked score), 7 the booked score, 8.. seat ids.
-- Returns 1, or 0 if a required record was already gone. Only locks still owned are freed; a freed
-- booked seat's holder no longer holds it.
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local freed = {}
for i = 1, (#KEYS - 7) / 2 do
  local seat = ARGV[7 + i]
  if redis.call('GET', KEYS[6 + 2 * i]) == ARGV[1] then
    redis.call('DEL', KEYS[6 + 2 * i])
    redis.call('ZREM', KEYS[7 + 2 * i], seat)
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
return 1
