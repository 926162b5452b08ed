-- wrk script for POST /api/v1/me/check-ins/: every request has a fresh check-in id (UUID v4)
-- and the next patient's bearer token, round robin from a file of tokens (one a line).
-- Usage (from the repository root):
--   wrk -t2 -c16 -d10s -s bench/checkin.lua http://HOST:PORT/api/v1/me/check-ins/ -- TOKENS_FILE
-- Bodies mirror a quiet day's report (nothing that raises a flag), like bench/ingest.py's seed.
dofile("bench/wrk_report.lua")

-- setup() runs in the main Lua state; thread:set() makes `thread_number` a global of that
-- thread's own state (a local here would shadow it and every thread would be number 0).
local started = 0

function setup(thread)
   started = started + 1
   thread:set("thread_number", started)
end

local tokens = {}
local next_token = 1
local sequence = 0

function init(args)
   local path = args[1] or error("checkin.lua: pass the tokens file after --")
   for line in io.lines(path) do
      if #line > 0 then table.insert(tokens, line) end
   end
   assert(#tokens > 0, "checkin.lua: no tokens in " .. path)
   -- Threads start at different tokens; the seed differs per thread and per run.
   next_token = (thread_number * 7919) % #tokens + 1
   math.randomseed(os.time() * 100 + thread_number)
end

local function hex(n)
   local out = {}
   for i = 1, n do out[i] = string.format("%x", math.random(0, 15)) end
   return table.concat(out)
end

-- A v4 UUID whose last 12 hex digits are the thread and its sequence number: random enough to
-- spread across the index, unique within a run by construction.
local function uuid4()
   sequence = sequence + 1
   local tail = string.format("%02x%010x", thread_number % 256, sequence)
   local variant = string.format("%x", 8 + math.random(0, 3))
   return hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-" .. variant .. hex(3) .. "-" .. tail
end

function request()
   local token = tokens[next_token]
   next_token = next_token % #tokens + 1
   local body = string.format(
      '{"id":"%s","recorded_at":"%s","back_pain":%d,"leg_pain":%d,' ..
      '"temperature_c":%.1f,"walking_minutes":20,' ..
      '"pain_controlled_by_medication":true,"wound_drainage":"none"}',
      uuid4(), os.date("!%Y-%m-%dT%H:%M:%SZ"), math.random(1, 5), math.random(0, 4),
      36.4 + math.random(0, 10) / 10)
   return wrk.format("POST", nil, {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
   }, body)
end
