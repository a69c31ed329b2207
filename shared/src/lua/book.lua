-- Mark a confirmed booking's seats booked for good. MySQL has committed the booking, so its word
-- wins over whatever Redis holds for these seats. The buyer becomes each seat's holder, counted in
-- the owned hash toward `maxTicketsPerUser` (again after a retry: counted once).
-- A use of a code the booking took is then paid for: it is never given back; a seat sold at a
-- counted price tier stays counted there for good (the top of its tier's band).
-- KEYS: 1 held zset, 2 user zset, 3 seat log, 4 holders hash (seat -> user), 5 owned hash
-- (user -> seats held), 6 the code's uses, then per seat its lock key and its section's tier zset.
-- ARGV: 1 booking id, 2 booked score, 3 now ms, 4 event id, 5 log max length, 6 user id, 7 1 if the
-- booking took a code, 8 the tier band, then the n seats, then n tiers (each seat's price tier as
-- MySQL keeps it, 0: its section's own price). A seat whose pending entry in its tier's count
-- lapsed before the payment settled is counted again at its tier.
local seats = {}
local user, band = ARGV[6], tonumber(ARGV[8])
local n = (#KEYS - 6) / 2
for i = 1, n do
  local seat = ARGV[8 + i]
  seats[#seats + 1] = seat
  redis.call('SET', KEYS[5 + 2 * i], ARGV[1])
  local tier = tonumber(ARGV[8 + n + i] or '0')
  local tiered = redis.call('ZSCORE', KEYS[6 + 2 * i], seat)
  if tier > 0 then
    redis.call('ZADD', KEYS[6 + 2 * i], (tier + 1) * band - 1, seat)
  elseif tiered then
    redis.call('ZADD', KEYS[6 + 2 * i], (math.floor(tonumber(tiered) / band) + 1) * band - 1, seat)
  end
  redis.call('ZADD', KEYS[1], ARGV[2], seat)
  redis.call('ZREM', KEYS[2], seat)
  local was = redis.call('HGET', KEYS[4], seat)
  if was ~= user then
    if was then
      redis.call('HINCRBY', KEYS[5], was, -1)
    end
    redis.call('HSET', KEYS[4], seat, user)
    redis.call('HINCRBY', KEYS[5], user, 1)
  end
end
if ARGV[7] == '1' then
  redis.call('ZADD', KEYS[6], ARGV[2], ARGV[1])
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'type', 'SeatsBooked', 'eventId', ARGV[4],
  'seats', table.concat(seats, ','), 'bookingId', ARGV[1], 'at', ARGV[3])
return 1
