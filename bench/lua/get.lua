-- GET one fixed path, optionally signed in: path=/api/session/me cookie=sid=...
local common = require("common")
setup, done = common.setup, common.done

function init(args)
  local options = common.options(args)
  wrk.path = options.path or "/"
  common.use_headers(options)
end
