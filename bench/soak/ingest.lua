-- Soak family "ingest": valid predictions and actuals in every accepted shape (docs/api.md).

local function batch(n, make)
  local parts = {}
  for k = 1, n do
    local id = next_id("p")
    parts[k] = make(id, counter)
  end
  return parts
end

local last_single = nil

KINDS = {
  {name = "predict_single", family = "ingest", weight = 4, make = function()
    last_single = demand_event(next_id("p"), counter)
    return post_json("/v1/predictions", last_single)
  end},
  {name = "predict_batch", family = "ingest", weight = 2, make = function()
    return post_json("/v1/predictions", '{"events":[' .. table.concat(batch(20, demand_event), ",") .. "]}")
  end},
  {name = "predict_ndjson", family = "ingest", weight = 2, make = function()
    return http_request("POST", "/v1/predictions", {["Content-Type"] = "application/x-ndjson"},
                        table.concat(batch(20, demand_event), "\n") .. "\n\n")
  end},
  {name = "predict_risk_batch", family = "ingest", weight = 1, make = function()
    return post_json("/v1/predictions", '{"events":[' .. table.concat(batch(10, risk_event), ",") .. "]}")
  end},
  {name = "predict_with_actual", family = "ingest", weight = 1, make = function()
    local i = counter
    return post_json("/v1/predictions", demand_event(next_id("p"), i, string.format(',"actual":%d', 40 + i % 9)))
  end},
  -- The same event again: an idempotent retry, answered 202 as a duplicate.
  {name = "predict_retry", family = "ingest", weight = 1, make = function()
    last_single = last_single or demand_event(next_id("p"), counter)
    return post_json("/v1/predictions", last_single)
  end},
  {name = "actual_single", family = "ingest", weight = 2, make = function()
    counter = counter + 1
    return post_json("/v1/actuals", actual_for(earlier_id(counter), counter))
  end},
  {name = "actual_batch", family = "ingest", weight = 1, make = function()
    local parts = {}
    for k = 1, 10 do
      counter = counter + 1
      parts[k] = actual_for(earlier_id(counter), counter)
    end
    return post_json("/v1/actuals", '{"actuals":[' .. table.concat(parts, ",") .. "]}")
  end},
  {name = "actual_ndjson", family = "ingest", weight = 1, make = function()
    local parts = {}
    for k = 1, 10 do
      counter = counter + 1
      parts[k] = actual_for(earlier_id(counter), counter)
    end
    return http_request("POST", "/v1/actuals", {["Content-Type"] = "application/x-ndjson"},
                        table.concat(parts, "\n") .. "\n")
  end},
}
