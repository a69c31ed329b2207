-- Mark a confirmed booking's seats booked for good. MySQL has committed the booking, so its word
-- wins over whatever Redis holds for these seats. KEYS: 1 held zset, 2 user zset, 3 seat log,
-- 4.. lock keys. ARGV: 1 booking id, 2 booked score, 3 now ms, 4 event id, 5 log max length, 6.. seats.
local seats = {}
for i = 4, #KEYS do
  local seat = ARGV[2 + i]
  seats[#seats + 1] = seat
  redis.call('SET', KEYS[i], ARGV[1])
  redis.call('ZADD', KEYS[1], ARGV[2], seat)
  redis.call('ZREM', KEYS[2], seat)
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'type', 'SeatsBooked', 'eventId', ARGV[4],
  'seats', table.concat(seats, ','), 'bookingId', ARGV[1], 'at', ARGV[3])
return 1
