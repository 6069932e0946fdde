-- GET `path` with {id} replaced by a random id in [first, last]: one good, a user's goods page...
local common = require("common")
setup, done = common.setup, common.done
local path, first, last

function init(args)
  local options = common.options(args)
  path, first, last = options.path, tonumber(options.first), tonumber(options.last)
  common.use_headers(options)
  common.seed()
end

function request()
  return wrk.format("GET", (path:gsub("{id}", tostring(math.random(first, last)))))
end
