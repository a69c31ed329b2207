-- Rebuild an event's lock structure from the system of record, unless it is loaded already.
-- KEYS: 1 loaded marker, 2 held zset, 3 holders hash (seat -> user), 4 owned hash (user -> seats
-- held), then per taken seat: its lock key and its buyer's user zset.
-- ARGV: 1 now ms, 2 booked score, 3 blocked score, then per taken seat: seat, owner (booking id),
-- score (payment deadline ms, or the booked score for good), user (a pending booking's buyer, a
-- booked seat's ticket holder; '' for none). A pending booking's seats count toward its buyer's
-- seat cap again; booked seats count toward their holder's tickets.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local booked, blocked = tonumber(ARGV[2]), tonumber(ARGV[3])
for k = 0, (#KEYS - 4) / 2 - 1 do
  local lock, user_key = KEYS[5 + 2 * k], KEYS[6 + 2 * k]
  local seat, owner, score, user =
    ARGV[4 + 4 * k], ARGV[5 + 4 * k], tonumber(ARGV[6 + 4 * k]), ARGV[7 + 4 * k]
  if score < booked then
    if score > tonumber(ARGV[1]) then
      redis.call('SET', lock, owner, 'PXAT', score)
      redis.call('ZADD', KEYS[2], score, seat)
      redis.call('ZADD', user_key, score, seat)
    end
  else
    redis.call('SET', lock, owner)
    redis.call('ZADD', KEYS[2], score, seat)
    if score < blocked and user ~= '' then
      redis.call('HSET', KEYS[3], seat, user)
      redis.call('HINCRBY', KEYS[4], user, 1)
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
