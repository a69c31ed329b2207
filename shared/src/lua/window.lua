-- Joined before the scripts that count a user's requests (rate.lua, hold.lua, release.lua,
-- queue.lua): the one rule of the per-user limits.
-- Counts one request in a fixed window whose counter `key` names the window's number (a new window
-- is a new key, gone a window after it began); true while the window allows `allowed` requests.
local function within_window(key, allowed, window_ms)
  local n = redis.call('INCR', key)
  if n == 1 then
    redis.call('PEXPIRE', key, window_ms)
  end
  return n <= tonumber(allowed)
end

