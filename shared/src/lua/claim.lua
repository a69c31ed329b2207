-- Turn a live hold into a pending booking's claim on its seats, in one step.
-- KEYS: 1 hold record, 2 held zset, 3 user zset, 4.. lock keys. ARGV: 1 hold id, 2 booking id,
-- 3 payment deadline ms, 4.. seat ids. Returns 1, or 0 if the hold is gone or lost a lock.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local n = #KEYS - 3
for i = 1, n do
  if redis.call('GET', KEYS[3 + i]) ~= ARGV[1] then
    return 0
  end
end
local deadline = tonumber(ARGV[3])
for i = 1, n do
  redis.call('SET', KEYS[3 + i], ARGV[2], 'PXAT', deadline)
  redis.call('ZADD', KEYS[2], deadline, ARGV[3 + i])
  redis.call('ZADD', KEYS[3], deadline, ARGV[3 + i])
end
redis.call('DEL', KEYS[1])
return 1
