-- Rebuild an event's lock structure from the system of record, unless it is loaded already.
-- KEYS: 1 loaded marker, 2 held zset, 3 holders hash (seat -> user), 4 owned hash (user -> seats
-- held), then per taken seat: its lock key, its buyer's user zset and its section's tier zset, then
-- per code use: the code's uses zset (hold.lua).
-- ARGV: 1 now ms, 2 booked score, 3 blocked score, 4 the tier band, 5 how many code uses, then per
-- code use: its score (the payment deadline ms, or the booked score once paid) and owner (booking
-- id), then per taken seat: seat,
-- owner (booking id), score (payment deadline ms, or the booked score for good), user (a pending
-- booking's buyer, a booked seat's ticket holder; '' for none), the counted price tier it sold at
-- (0: none). A pending booking's seats count toward its buyer's seat cap again; booked seats count
-- toward their holder's tickets; both count at their tier again (hold.lua).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local booked, blocked, band, uses = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local seats = (#KEYS - 4 - uses) / 3
for u = 1, uses do
  redis.call('ZADD', KEYS[4 + 3 * seats + u], ARGV[4 + 2 * u], ARGV[5 + 2 * u])
end
local A = 5 + 2 * uses
for k = 0, seats - 1 do
  local lock, user_key, tiers = KEYS[5 + 3 * k], KEYS[6 + 3 * k], KEYS[7 + 3 * k]
  local seat, owner, score, user, tier =
    ARGV[A + 1 + 5 * k], ARGV[A + 2 + 5 * k], tonumber(ARGV[A + 3 + 5 * k]), ARGV[A + 4 + 5 * k], tonumber(ARGV[A + 5 + 5 * k])
  if tier > 0 then
    redis.call('ZADD', tiers, tier * band + math.min(score, band - 1), seat)
  end
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
