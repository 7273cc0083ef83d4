-- locate.lua — wrk: GET /api/v1/grid/locate at random points over the demo
-- grid's bounding box (the demo cells cover it; 404 outside_grid otherwise).
math.randomseed(42)
request = function()
  local lon = 119.84 + math.random() * 0.12
  local lat = 28.40 + math.random() * 0.10
  return wrk.format("GET", string.format("/api/v1/grid/locate?lon=%.6f&lat=%.6f", lon, lat))
end
