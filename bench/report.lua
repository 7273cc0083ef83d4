-- report.lua — wrk: POST /api/v1/problems, a patrol report at a random
-- point of 碧湖镇 (located, routed, checked for duplicates, audited).
math.randomseed(7)
local cats = {"CS01", "SR02", "HJ02", "SC01", "AQ01"}
request = function()
  local body = string.format('{"channel":"patrol","category":"%s","description":"压测上报","lon":%.6f,"lat":%.6f}',
    cats[math.random(#cats)], 119.841 + math.random() * 0.058, 28.401 + math.random() * 0.048)
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end -- keep -H Authorization
  h["Content-Type"] = "application/json"
  return wrk.format("POST", "/api/v1/problems", h, body)
end
