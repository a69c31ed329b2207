-- Free the seats an owner (a hold, or a booking) has locked. KEYS: 1 owner record (a hold's record),
-- 2 held zset, 3 user zset, 4 seat log, 5.. lock keys. ARGV: 1 owner id, 2 now ms, 3 event id,
-- 4 log max length, 5 1 if the record must exist, 6.. seat ids.
-- Returns 1, or 0 if a required record was already gone. Only locks still owned are freed.
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local freed = {}
for i = 1, #KEYS - 4 do
  if redis.call('GET', KEYS[4 + i]) == ARGV[1] then
    redis.call('DEL', KEYS[4 + i])
    redis.call('ZREM', KEYS[2], ARGV[5 + i])
    redis.call('ZREM', KEYS[3], ARGV[5 + i])
    freed[#freed + 1] = ARGV[5 + i]
  end
end
redis.call('DEL', KEYS[1])
if #freed > 0 then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'type', 'SeatsReleased', 'eventId', ARGV[3],
    'seats', table.concat(freed, ','), 'at', ARGV[2])
end
return 1
