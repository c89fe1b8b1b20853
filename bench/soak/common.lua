-- Shared part of the soak's wrk scripts (bench/soak.py prepends one family script to it).
--
-- The family script defines KINDS, a list of {name=, family=, weight=, make=function(), doc503=}:
-- `make` returns a whole HTTP/1.1 request (see http_request), `family` names the switchable
-- traffic family the kind belongs to (SOAK_ENABLED lists the enabled ones), and `doc503` marks the
-- kinds whose 503 without Retry-After is documented (the health probes).
--
-- wrk does not tell response() which request it answers, so bench/soak.py runs every wrk with one
-- connection per thread (-t N -c N): a thread then sends one request, gets its response, sends the
-- next, and the kind of the last request sent is the kind of the response received.
--
-- Environment: SOAK_RUN (a tag making ids unique per run), SOAK_ENABLED (comma-separated enabled
-- families), SOAK_PROGRESS (a directory: every thread writes its response count there, so the
-- sampler can print requests so far), SOAK_WRK_NAME (this wrk's name, for the progress files),
-- SOAK_PER_FAMILY (1: one family per thread, see init).

RUN = os.getenv("SOAK_RUN") or "soak"
local progress_dir = os.getenv("SOAK_PROGRESS")
local wrk_name = os.getenv("SOAK_WRK_NAME") or "wrk"

-- A monotonic clock in microseconds (LuaJIT's ffi; os.clock is CPU time), for per-kind latency.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
  int clock_gettime(int clock_id, soak_timespec* ts);
]]
local timespec = ffi.new("soak_timespec")
local function now_us()
  ffi.C.clock_gettime(1, timespec)  -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) * 1000000 + tonumber(timespec.tv_nsec) / 1000
end

-- Main state: number the threads and keep them for done().
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

-- Thread state.
counts = {}    -- "kind status" -> responses; status is the code, or "503d" for a documented 503
examples = {}  -- "kind status" -> the start of the first 5xx body seen
sent = {}      -- kind -> requests generated
-- kind -> sum and max of the answered requests' latency in microseconds (flat tables: wrk's
-- thread:get segfaults on nested ones)
latency_sum, latency_max = {}, {}
local sent_at = 0
local progress_at = 0
local schedule = {}
local position = 0
local last_kind = nil
local responses = 0
counter = 0    -- for the family scripts: a per-thread sequence number

function next_id(prefix)
  counter = counter + 1
  return string.format("%s-%s-%s%d-%d", prefix, RUN, wrk_name, tid or 0, counter)
end

-- A raw request: wrk.format would drop a Content-Length that has no body behind it, and the soak
-- needs both that and requests without one.
function http_request(method, path, headers, body)
  local lines = {method .. " " .. path .. " HTTP/1.1", "Host: 127.0.0.1"}
  for name, value in pairs(headers or {}) do lines[#lines + 1] = name .. ": " .. value end
  if body ~= nil and not (headers and headers["Content-Length"]) then
    lines[#lines + 1] = "Content-Length: " .. #body
  end
  return table.concat(lines, "\r\n") .. "\r\n\r\n" .. (body or "")
end

function post_json(path, body, extra)
  local headers = {["Content-Type"] = "application/json"}
  for k, v in pairs(extra or {}) do headers[k] = v end
  return http_request("POST", path, headers, body)
end

function init(args)
  local enabled, families = {}, {}
  for name in string.gmatch(os.getenv("SOAK_ENABLED") or "", "[^,]+") do
    enabled[name] = true
    families[#families + 1] = name
  end
  -- SOAK_PER_FAMILY=1: thread k sends only the k-th family (round robin), so a family whose
  -- requests are slow does not hold up the others.
  if os.getenv("SOAK_PER_FAMILY") == "1" and #families > 0 then
    enabled = {[families[((tid or 1) - 1) % #families + 1]] = true}
  end
  for i, kind in ipairs(KINDS) do
    if enabled[kind.family] then
      for _ = 1, kind.weight do schedule[#schedule + 1] = i end
    end
  end
  if #schedule == 0 then error("no kind of this script is enabled (SOAK_ENABLED)") end
  -- Interleave the kinds (round robin over a weight-expanded list would send each kind in a
  -- burst): a stride coprime with the list's length visits every slot once per cycle.
  local stride = 7
  while #schedule % stride == 0 and stride < #schedule do stride = stride + 2 end
  local spread = {}
  for i = 1, #schedule do spread[i] = schedule[((i - 1) * stride) % #schedule + 1] end
  schedule = spread
  position = ((tid or 1) * 5) % #schedule
  if FAMILY_INIT then FAMILY_INIT() end
end

function request()
  position = position % #schedule + 1
  local kind = KINDS[schedule[position]]
  last_kind = kind
  sent[kind.name] = (sent[kind.name] or 0) + 1
  local req = kind.make()
  sent_at = now_us()
  return req
end

local function write_progress()
  if not progress_dir then return end
  local path = string.format("%s/%s-%d", progress_dir, wrk_name, tid or 0)
  local f = io.open(path .. ".tmp", "w")
  if f then  -- written beside and renamed, so the sampler never reads a half-written file
    f:write(tostring(responses))
    f:close()
    os.rename(path .. ".tmp", path)
  end
end

function response(status, headers, body)
  if not last_kind then return end
  local s = tostring(status)
  if status == 503 and (headers["Retry-After"] or headers["retry-after"] or last_kind.doc503) then
    s = "503d"
  end
  local took = now_us() - sent_at
  local name = last_kind.name
  latency_sum[name] = (latency_sum[name] or 0) + took
  latency_max[name] = math.max(latency_max[name] or 0, took)
  local key = last_kind.name .. " " .. s
  counts[key] = (counts[key] or 0) + 1
  if status >= 500 and s ~= "503d" and not examples[key] then
    examples[key] = string.sub(body or "", 1, 300):gsub("[\r\n]", " ")
  end
  responses = responses + 1
  if sent_at - progress_at > 1000000 then
    progress_at = sent_at
    write_progress()
  end
  last_kind = nil
end

-- Main state, after the run: one line per kind and status, then the errors wrk counted.
function done(summary, latency, requests)
  local total, all_sent, all_examples, all_sum, all_max = {}, {}, {}, {}, {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts") or {}) do total[key] = (total[key] or 0) + n end
    for kind, n in pairs(thread:get("sent") or {}) do all_sent[kind] = (all_sent[kind] or 0) + n end
    for key, text in pairs(thread:get("examples") or {}) do all_examples[key] = text end
    for kind, us in pairs(thread:get("latency_sum") or {}) do all_sum[kind] = (all_sum[kind] or 0) + us end
    for kind, us in pairs(thread:get("latency_max") or {}) do
      all_max[kind] = math.max(all_max[kind] or 0, us)
    end
  end
  for key, n in pairs(total) do io.write(string.format("SOAK_COUNT %s %d\n", key, n)) end
  for kind, n in pairs(all_sent) do io.write(string.format("SOAK_SENT %s %d\n", kind, n)) end
  for kind, us in pairs(all_sum) do
    io.write(string.format("SOAK_LATENCY %s %d %d\n", kind, math.floor(us), math.floor(all_max[kind])))
  end
  for key, text in pairs(all_examples) do io.write(string.format("SOAK_EXAMPLE %s %s\n", key, text)) end
  local e = summary.errors
  io.write(string.format(
      "SOAK_WRK requests=%d duration_us=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
      summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(99)))
end
