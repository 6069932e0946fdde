-- Search suggestions as visitors without cookies, so the gateway's edge cache may answer: the prefix
-- drawn from prefixes=a,b,c with Zipf-like weights (the k-th is asked 1/k as often as the first), as a
-- real search box sees. Adds "hits" and "answers" to the summary: answers with X-Cache-Status: HIT.
local common = require("common")
local prefixes, cumulative, total = {}, {}, 0
local threads = {}

function setup(thread)
  common.setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  local options = common.options(args)
  for prefix in (options.prefixes or "a"):gmatch("[^,]+") do
    prefixes[#prefixes + 1] = prefix
    total = total + 1 / #prefixes
    cumulative[#prefixes] = total
  end
  hits, answers = 0, 0
  common.seed()
end

function request()
  local pick, low, high = math.random() * total, 1, #cumulative
  while low < high do  -- the first prefix whose cumulative weight reaches the pick
    local middle = math.floor((low + high) / 2)
    if cumulative[middle] < pick then low = middle + 1 else high = middle end
  end
  return wrk.format("GET", "/api/catalog/goods?q=" .. prefixes[low] .. "&limit=10")
end

function response(status, headers, body)
  answers = answers + 1
  if headers["X-Cache-Status"] == "HIT" then
    hits = hits + 1
  end
end

function done(summary, latency, requests)
  local counts = {hits = 0, answers = 0}
  for _, thread in ipairs(threads) do
    counts.hits = counts.hits + thread:get("hits")
    counts.answers = counts.answers + thread:get("answers")
  end
  common.done(summary, latency, requests, counts)
end
