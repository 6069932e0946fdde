-- A user's goods page: GET /api/catalog/users/<id>/goods for a random id in [first, last].
local common = require("common")
setup, done = common.setup, common.done
local first, last

function init(args)
  local options = common.options(args)
  first, last = tonumber(options.first), tonumber(options.last)
  common.seed()
end

function request()
  return wrk.format("GET", "/api/catalog/users/" .. math.random(first, last) .. "/goods")
end
