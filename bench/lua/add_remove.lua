-- Signed in: PUT /api/catalog/me/goods/<id>, then DELETE the same id, alternating.
-- Needs cookie=sid=... csrf=<token> first=<id> last=<id>. Every call passes the gateway's auth_request.
local common = require("common")
setup, done = common.setup, common.done
local first, last, headers
local pending -- the good added by the previous request, removed by the next one

function init(args)
  local options = common.options(args)
  first, last = tonumber(options.first), tonumber(options.last)
  headers = common.headers(options)
  common.seed()
end

function request()
  if pending then
    local id = pending
    pending = nil
    return wrk.format("DELETE", "/api/catalog/me/goods/" .. id, headers)
  end
  pending = math.random(first, last)
  return wrk.format("PUT", "/api/catalog/me/goods/" .. pending, headers, "")
end
