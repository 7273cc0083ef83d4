-- locate.lua — wrk: GET /api/v1/grid/locate at random points over the demo
-- county (some outside every cell, answered 404 outside_grid).
math.randomseed(42)
request = function()
  local lon = 119.82 + math.random() * 0.16
  local lat = 28.38 + math.random() * 0.14
  return wrk.format("GET", string.format("/api/v1/grid/locate?lon=%.6f&lat=%.6f", lon, lat))
end
