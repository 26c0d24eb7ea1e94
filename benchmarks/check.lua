-- wrk script: every response's status and size is checked, so errors never count as
-- speed. Arguments: expected status, smallest acceptable body in bytes. Prints one line
-- "RESULT {json}" with requests, latency percentiles (microseconds) and the bad count.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[1])
  smallest = tonumber(args[2])
  bad = 0
  bytes = 0
  seen = 0
end

function response(status, headers, body)
  seen = seen + 1
  bytes = bytes + #body
  if status ~= expected or #body < smallest then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local b, t, n = 0, 0, 0
  for _, thread in ipairs(threads) do
    b = b + thread:get("bad")
    t = t + thread:get("bytes")
    n = n + thread:get("seen")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, ' ..
    '"bad": %d, "bytes": %d, "seen": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), b, t, n, e.connect + e.read + e.write + e.timeout))
end
