-- Rebuild an event's lock structure from the system of record, unless it is loaded already.
-- KEYS: 1 loaded marker, 2 held zset, 3.. lock keys. ARGV: 1 now ms, 2 booked score, then per lock
-- key: seat, owner (booking id), score (payment deadline ms, or the booked score for good).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local booked = tonumber(ARGV[2])
for i = 3, #KEYS do
  local j = 3 + (i - 3) * 3
  local score = tonumber(ARGV[j + 2])
  if score < booked then
    if score > tonumber(ARGV[1]) then
      redis.call('SET', KEYS[i], ARGV[j + 1], 'PXAT', score)
      redis.call('ZADD', KEYS[2], score, ARGV[j])
    end
  else
    redis.call('SET', KEYS[i], ARGV[j + 1])
    redis.call('ZADD', KEYS[2], score, ARGV[j])
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
