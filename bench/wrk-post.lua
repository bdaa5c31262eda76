-- POST the Hub's "create discussion" body with the secret; print a JSON summary at the end.
local body_path = os.getenv("BENCH_BODY")
local file = assert(io.open(body_path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
-- BENCH_SECRET: the shared axum peer checks a secret of its own.
wrk.headers["X-Webhook-Secret"] = os.getenv("BENCH_SECRET") or "bench-secret"

-- BENCH_WEBHOOK_ID=fresh sends each request with a Webhook-Id of its own, as the Hub does.
if os.getenv("BENCH_WEBHOOK_ID") == "fresh" then
  local sent = 0
  -- A prefix of this wrk run's own: runs within one second must not repeat each other's ids.
  local urandom = assert(io.open("/dev/urandom", "rb"))
  local run = urandom:read(8):gsub(".", function(c) return string.format("%02x", c:byte()) end)
  urandom:close()
  function request()
    sent = sent + 1
    wrk.headers["Webhook-Id"] = "bench-" .. run .. "-" .. sent
    return wrk.format()
  end
end

-- BENCH_DELAY_MS paces each connection: it waits that long before each request, so that
-- connections x (1000 / delay) bounds the rate (a load below saturation, as real traffic is).
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if delay_ms then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    "WRK_JSON {\"requests\": %d, \"duration_us\": %d, \"non2xx\": %d, \"socket_errors\": %d, \"p50_us\": %d, \"p99_us\": %d}\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
