-- Move a live hold's expiry. KEYS: 1 hold record, 2 held zset, 3 user zset, 4.. lock keys.
-- ARGV: 1 hold id, 2 new expiry ms, 3.. seat ids. Returns 1, or 0 if the hold or a lock is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local n = #KEYS - 3
for i = 1, n do
  if redis.call('GET', KEYS[3 + i]) ~= ARGV[1] then
    return 0
  end
end
local exp = tonumber(ARGV[2])
for i = 1, n do
  redis.call('PEXPIREAT', KEYS[3 + i], exp)
  redis.call('ZADD', KEYS[2], 'XX', exp, ARGV[2 + i])
  redis.call('ZADD', KEYS[3], 'XX', exp, ARGV[2 + i])
end
redis.call('HSET', KEYS[1], 'expiresAt', exp)
redis.call('PEXPIREAT', KEYS[1], exp)
return 1
