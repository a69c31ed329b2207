-- Rebuild an event's lock structure from the system of record, unless it is loaded already.
-- KEYS: 1 loaded marker, 2 held zset, then per taken seat: its lock key and its buyer's user zset.
-- ARGV: 1 now ms, 2 booked score, then per taken seat: seat, owner (booking id), score (payment
-- deadline ms, or the booked score for good). A pending booking's seats count toward its buyer's
-- seat cap again; booked seats do not count toward it.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local booked = tonumber(ARGV[2])
for k = 0, (#KEYS - 2) / 2 - 1 do
  local lock, user = KEYS[3 + 2 * k], KEYS[4 + 2 * k]
  local seat, owner, score = ARGV[3 + 3 * k], ARGV[4 + 3 * k], tonumber(ARGV[5 + 3 * k])
  if score < booked then
    if score > tonumber(ARGV[1]) then
      redis.call('SET', lock, owner, 'PXAT', score)
      redis.call('ZADD', KEYS[2], score, seat)
      redis.call('ZADD', user, score, seat)
    end
  else
    redis.call('SET', lock, owner)
    redis.call('ZADD', KEYS[2], score, seat)
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
