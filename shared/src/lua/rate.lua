-- Counts one request in a user's fixed window, in one atomic step.
-- KEYS: 1 the window's counter (its name carries the window's number, so a new window is a new key).
-- ARGV: 1 requests allowed per window, 2 window length ms, 3 ms left in the window.
-- Returns 0 if the request is allowed, else the ms until the next window.
if within_window(KEYS[1], ARGV[1], ARGV[2]) then
  return 0
end
return tonumber(ARGV[3])
