-- mixed.lua — wrk: the soak's mixed load: of every 20 requests, 2 reports
-- (POST /api/v1/problems), 8 office-queue pages, 6 /me, 4 locates.
-- wrk's -H Authorization header is kept on every request.
math.randomseed(11)
local n = 0
local cats = {"CS01", "SR02", "HJ02", "SC01", "AQ01"}
request = function()
  n = n + 1
  local k = n % 20
  local h = {}
  for key, v in pairs(wrk.headers) do h[key] = v end
  if k < 2 then
    h["Content-Type"] = "application/json"
    local body = string.format('{"channel":"patrol","category":"%s","description":"浸泡测试","lon":%.6f,"lat":%.6f}',
      cats[math.random(#cats)], 119.841 + math.random() * 0.058, 28.401 + math.random() * 0.048)
    return wrk.format("POST", "/api/v1/problems", h, body)
  elseif k < 10 then
    return wrk.format("GET", "/api/v1/problems?limit=50", h)
  elseif k < 16 then
    return wrk.format("GET", "/api/v1/me", h)
  end
  return wrk.format("GET", string.format("/api/v1/grid/locate?lon=%.6f&lat=%.6f",
    119.84 + math.random() * 0.12, 28.40 + math.random() * 0.10), h)
end
