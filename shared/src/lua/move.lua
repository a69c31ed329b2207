-- Move a live hold's locks to a new owner and expiry, in one step: extending a hold (same owner,
-- later expiry) or turning it into a pending booking (the booking as owner, until its payment
-- deadline, and the hold record gone). A seat the hold took at a counted price tier stays
-- counted there until the new expiry.
-- KEYS: 1 hold record, 2 held zset, 3 user zset, 4 the code's uses, then per seat its lock key and
-- its section's tier zset (hold.lua), then, optionally, the hold's pointer (holdref), deleted with
-- the record: given only where the keys share a server (not on a cluster). ARGV: 1 hold id, 2 new
-- owner, 3 new expiry ms, 4 1 to drop the hold record (else it is kept with the new expiry), 5 1 if
-- the hold took a use of a code (it moves with the locks), 6 the tier band, 7.. seat ids.
-- Returns 1, or 0 if the hold is gone or lost a lock.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local n = math.floor((#KEYS - 4) / 2)
for i = 1, n do
  if redis.call('GET', KEYS[3 + 2 * i]) ~= ARGV[1] then
    return 0
  end
end
local exp, band = tonumber(ARGV[3]), tonumber(ARGV[6])
for i = 1, n do
  local seat = ARGV[6 + i]
  redis.call('SET', KEYS[3 + 2 * i], ARGV[2], 'PXAT', exp)
  redis.call('ZADD', KEYS[2], exp, seat)
  redis.call('ZADD', KEYS[3], exp, seat)
  local tiered = redis.call('ZSCORE', KEYS[4 + 2 * i], seat)
  if tiered then
    redis.call('ZADD', KEYS[4 + 2 * i], math.floor(tonumber(tiered) / band) * band + exp, seat)
  end
end
if ARGV[5] == '1' then
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('ZADD', KEYS[4], exp, ARGV[2])
end
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[1])
  if #KEYS > 4 + 2 * n then
    redis.call('DEL', KEYS[#KEYS])
  end
else
  redis.call('HSET', KEYS[1], 'expiresAt', exp)
  redis.call('PEXPIREAT', KEYS[1], exp)
end
return 1
