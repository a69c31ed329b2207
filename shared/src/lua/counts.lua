-- Count an event's held and booked seats in one step. KEYS: 1 loaded marker, 2 held zset.
-- ARGV: 1 now ms, 2 booked score. Returns false if not loaded, else {held, booked}.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local held = redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[1], '(' .. ARGV[2])
local booked = redis.call('ZCOUNT', KEYS[2], ARGV[2], '+inf')
return {held, booked}
