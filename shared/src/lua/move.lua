-- Move a live hold's locks to a new owner and expiry, in one step: extending a hold (same owner,
-- later expiry) or turning it into a pending booking (the booking as owner, until its payment
-- deadline, and the hold record gone).
-- KEYS: 1 hold record, 2 held zset, 3 user zset, 4 the code's uses, 5.. lock keys. ARGV: 1 hold id,
-- 2 new owner, 3 new expiry ms, 4 1 to drop the hold record (else it is kept with the new expiry),
-- 5 1 if the hold took a use of a code (it moves with the locks), 6.. seat ids.
-- Returns 1, or 0 if the hold is gone or lost a lock.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local n = #KEYS - 4
for i = 1, n do
  if redis.call('GET', KEYS[4 + i]) ~= ARGV[1] then
    return 0
  end
end
local exp = tonumber(ARGV[3])
for i = 1, n do
  redis.call('SET', KEYS[4 + i], ARGV[2], 'PXAT', exp)
  redis.call('ZADD', KEYS[2], exp, ARGV[5 + i])
  redis.call('ZADD', KEYS[3], exp, ARGV[5 + i])
end
if ARGV[5] == '1' then
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('ZADD', KEYS[4], exp, ARGV[2])
end
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'expiresAt', exp)
  redis.call('PEXPIREAT', KEYS[1], exp)
end
return 1
