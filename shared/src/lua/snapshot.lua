-- Read an event's taken seats in one step. KEYS: 1 loaded marker, 2 held zset. ARGV: 1 now ms.
-- Returns false if the structure is not loaded, else a flat list seat, score, seat, score, ...
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
return redis.call('ZRANGE', KEYS[2], '(' .. ARGV[1], '+inf', 'BYSCORE', 'WITHSCORES')
