-- Search suggestions: GET /api/catalog/goods?q=<prefix>&limit=10, the prefix drawn from prefixes=a,b,c.
local common = require("common")
setup, done = common.setup, common.done
local prefixes = {}

function init(args)
  local options = common.options(args)
  for prefix in (options.prefixes or "a"):gmatch("[^,]+") do
    prefixes[#prefixes + 1] = prefix
  end
  common.use_headers(options)
  common.seed()
end

function request()
  return wrk.format("GET", "/api/catalog/goods?q=" .. prefixes[math.random(#prefixes)] .. "&limit=10")
end
