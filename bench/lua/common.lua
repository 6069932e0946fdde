-- Shared by every bench script (wrk runs with bench/lua as its working directory).
-- Arguments come after `--` as key=value; the summary is one JSON line that bench/run.py parses.
local common = {}

function common.options(args)
  local options = {}
  for _, item in ipairs(args or {}) do
    local key, value = item:match("^([%w_]+)=(.*)$")
    if key then
      options[key] = value
    end
  end
  return options
end

-- Headers for a signed-in client: the sid cookie, and the CSRF token for unsafe calls.
function common.headers(options)
  local headers = {}
  if options.cookie and options.cookie ~= "" then
    headers["Cookie"] = options.cookie
  end
  if options.csrf and options.csrf ~= "" then
    headers["X-CSRF-Token"] = options.csrf
  end
  return headers
end

-- Send those headers with every request wrk.format builds (and wrk's own default request).
function common.use_headers(options)
  for name, value in pairs(common.headers(options)) do
    wrk.headers[name] = value
  end
end

-- Each wrk thread has its own Lua state; seed it differently so threads do not repeat each other.
local threads = 0
function common.setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function common.seed()
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

-- `counts`, optional: more integer fields for the line, such as a script's own tallies.
function common.done(summary, latency, requests, counts)
  local errors = summary.errors
  local extra = ""
  for name, count in pairs(counts or {}) do
    extra = extra .. string.format(', "%s": %d', name, count)
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), errors.connect, errors.read, errors.write, errors.status, errors.timeout, extra))
end

return common
