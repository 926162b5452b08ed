-- Shared by bench/*.lua: at the end of a wrk run, print one machine-readable line that
-- bench/ingest.py parses (latencies in microseconds; wrk counts non-2xx/3xx in status).
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "WRK_RESULT {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d," ..
      "\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"mean_us\":%.1f," ..
      "\"connect_errors\":%d,\"read_errors\":%d,\"write_errors\":%d," ..
      "\"non_2xx_3xx\":%d,\"timeouts\":%d}\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
