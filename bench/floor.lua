-- wrk script for the floor (GET /bench/floor/): the default static request, plus the report.
-- Usage (from the repository root): wrk -t2 -c16 -d10s -s bench/floor.lua http://HOST:PORT/bench/floor/
dofile("bench/wrk_report.lua")
