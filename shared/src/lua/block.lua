-- Take seats off sale (block) or put blocked seats back (unblock), in one atomic step; or close an
-- event to new holds for good (close: its loaded marker becomes 'closed', which hold.lua refuses).
-- KEYS: 1 loaded marker, 2 held zset, 3 seat log, 4.. lock keys (one per seat, in ARGV's order).
-- ARGV: 1 'block' | 'unblock' | 'close', 2 now ms, 3 event id, 4 log max length, 5 blocked score,
--       6.. seat ids.
-- Returns {'OK', seat...} (the seats that changed) | {'BUSY', seat...} | {'NOT_LOADED'}.
local loaded = redis.call('GET', KEYS[1])
if not loaded then
  return {'NOT_LOADED'}
end
local mode, now = ARGV[1], tonumber(ARGV[2])
if mode == 'close' then
  redis.call('SET', KEYS[1], 'closed')
  return {'OK'}
end
local n = #KEYS - 3
local changed = {}
if mode == 'block' then
  -- A seat is busy while a hold or booking has it (as hold.lua judges it); blocked already is fine
  -- (a retry of a block that half-happened finishes it).
  local busy = {}
  for i = 1, n do
    local owner = redis.call('GET', KEYS[3 + i])
    if owner and owner ~= 'blocked' then
      local until_ms = redis.call('ZSCORE', KEYS[2], ARGV[5 + i])
      if until_ms and tonumber(until_ms) > now then
        busy[#busy + 1] = ARGV[5 + i]
      end
    end
  end
  if #busy > 0 then
    return {'BUSY', unpack(busy)}
  end
  for i = 1, n do
    if redis.call('GET', KEYS[3 + i]) ~= 'blocked' then
      redis.call('SET', KEYS[3 + i], 'blocked')
      redis.call('ZADD', KEYS[2], ARGV[5], ARGV[5 + i])
      changed[#changed + 1] = ARGV[5 + i]
    end
  end
  if #changed > 0 then
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'type', 'SeatsBlocked', 'eventId', ARGV[3],
      'seats', table.concat(changed, ','), 'at', ARGV[2])
  end
else
  for i = 1, n do
    if redis.call('GET', KEYS[3 + i]) == 'blocked' then
      redis.call('DEL', KEYS[3 + i])
      redis.call('ZREM', KEYS[2], ARGV[5 + i])
      changed[#changed + 1] = ARGV[5 + i]
    end
  end
  if #changed > 0 then
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'type', 'SeatsUnblocked', 'eventId', ARGV[3],
      'seats', table.concat(changed, ','), 'at', ARGV[2])
  end
end
return {'OK', unpack(changed)}
