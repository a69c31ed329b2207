-- Rebuild an event's lock structure from the system of record, unless it is loaded already.
-- KEYS: 1 loaded marker, 2 held zset, 3.. lock keys. ARGV: 1 now ms, then per lock key: seat, owner, score.
-- Locks of taken seats never expire here: the booking flow frees them.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
for i = 3, #KEYS do
  local j = 2 + (i - 3) * 3
  redis.call('SET', KEYS[i], ARGV[j + 1])
  redis.call('ZADD', KEYS[2], ARGV[j + 2], ARGV[j])
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
