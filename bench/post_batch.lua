-- wrk script: POST {"events":[...]} with EVENTS_PER_REQUEST (default 1000) prediction events per
-- request, same event shape as bench/baseline/post_event.lua, unique ids throughout.
-- usage: wrk -t2 -c8 -d10s -s post_batch.lua http://127.0.0.1:PORT
local per_request = tonumber(os.getenv("EVENTS_PER_REQUEST") or "1000")
local counter = 0
local thread_tag = 0

setup = function(thread)
  thread_tag = thread_tag + 1
  thread:set("tag", thread_tag)
end

request = function()
  local parts = {}
  local prefix = string.format("%d-%d", tag or 0, math.random(1, 1e9))
  for i = 1, per_request do
    counter = counter + 1
    parts[i] = string.format(
      '{"id":"%s-%d","model":"demand_forecast","segment":"restaurant_%d","features":{"temp":%.2f,"weekday":"mon","promo":%d,"lag_7":%.1f},"prediction":%.3f}',
      prefix, counter, counter % 50, 10 + (counter % 20), counter % 2, 30 + (counter % 40), 40 + (counter % 17))
  end
  local body = '{"events":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/v1/predictions", {["Content-Type"] = "application/json"}, body)
end
