-- Make a user the holder of a booked seat (a ticket transfer), within their limit, in one step.
-- KEYS: 1 loaded marker, 2 holders hash (seat -> user), 3 owned hash (user -> seats held), 4 the
-- receiver's user zset (their held and pending seats).
-- ARGV: 1 seat, 2 receiver ('' for nobody), 3 their limit in all (0: none), 4 now ms.
-- Returns {'OK', previous holder or ''} | {'LIMIT', current} | {'NOT_LOADED'}.
if not redis.call('GET', KEYS[1]) then
  return {'NOT_LOADED'}
end
local seat, to, cap = ARGV[1], ARGV[2], tonumber(ARGV[3])
local was = redis.call('HGET', KEYS[2], seat)
if was == to then
  return {'OK', was or ''}
end
if to ~= '' and cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[4])
  local all = redis.call('ZCARD', KEYS[4]) + tonumber(redis.call('HGET', KEYS[3], to) or '0')
  if all + 1 > cap then
    return {'LIMIT', tostring(all)}
  end
end
if was then
  redis.call('HINCRBY', KEYS[3], was, -1)
end
if to == '' then
  redis.call('HDEL', KEYS[2], seat)
else
  redis.call('HSET', KEYS[2], seat, to)
  redis.call('HINCRBY', KEYS[3], to, 1)
end
return {'OK', was or ''}
