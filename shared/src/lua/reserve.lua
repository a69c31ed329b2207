-- Set seats aside for a presale's access code, or put reserved seats back on general sale, in one
-- atomic step. A reservation holds while its end is after the caller's `now` (hold.lua and the map
-- read it so), so every seat of a code comes back at the same instant; `lapse` then clears the
-- ended ones and announces them in one log entry.
-- KEYS: 1 reservations hash (seat -> 'until ms,code'), 2 their ends (zset seat -> until ms), 3 held
--       zset, 4 seat log.
-- ARGV: 1 'reserve' | 'unreserve' (a deleted code) | 'lapse' (every ended one), 2 now ms, 3 event
--       id, 4 log max length, 5 the code ('' with lapse), 6 its end ms (reserve), 7 '1' to announce
--       the change in the seat log, then the seat ids (reserve, unreserve).
-- Returns the seats that changed. Only those neither held nor booked are announced: the others
-- keep the status a hold or booking gives them.
local mode, now = ARGV[1], tonumber(ARGV[2])
local function free(seat)
  local score = redis.call('ZSCORE', KEYS[3], seat)
  return not score or tonumber(score) <= now
end
local changed, shown = {}, {}
local function drop(seat)
  redis.call('HDEL', KEYS[1], seat)
  redis.call('ZREM', KEYS[2], seat)
  changed[#changed + 1] = seat
  if free(seat) then
    shown[#shown + 1] = seat
  end
end
if mode == 'reserve' then
  -- A reservation read just before its end arrives late: it is over already.
  if tonumber(ARGV[6]) <= now then
    return {}
  end
  local value = ARGV[6] .. ',' .. ARGV[5]
  for i = 8, #ARGV do
    local seat = ARGV[i]
    if redis.call('HGET', KEYS[1], seat) ~= value then
      redis.call('HSET', KEYS[1], seat, value)
      redis.call('ZADD', KEYS[2], ARGV[6], seat)
      changed[#changed + 1] = seat
      if free(seat) then
        shown[#shown + 1] = seat
      end
    end
  end
elseif mode == 'unreserve' then
  for i = 8, #ARGV do
    local r = redis.call('HGET', KEYS[1], ARGV[i])
    if r and string.match(r, '^%d+,(.*)$') == ARGV[5] then
      drop(ARGV[i])
    end
  end
else
  for _, seat in ipairs(redis.call('ZRANGE', KEYS[2], '-inf', now, 'BYSCORE')) do
    drop(seat)
  end
end
if ARGV[7] == '1' and #shown > 0 then
  local kind = mode == 'reserve' and 'SeatsReserved' or 'SeatsUnreserved'
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'type', kind, 'eventId', ARGV[3],
    'seats', table.concat(shown, ','), 'at', now)
end
return changed
