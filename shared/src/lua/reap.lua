-- Announce the holds of an event that lapsed by their TTL: their locks are gone already (a lock
-- expires at the same instant its seat's score says), so only the map and the log change.
-- KEYS: 1 held zset, 2 seat log. ARGV: 1 now ms, 2 event id, 3 log max length.
-- Returns the seats announced.
local lapsed = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE')
if #lapsed == 0 then
  return {}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'type', 'SeatsReleased', 'eventId', ARGV[2],
  'seats', table.concat(lapsed, ','), 'at', ARGV[1])
return lapsed
