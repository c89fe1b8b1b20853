-- Soak family "query": every read route with valid parameters (docs/api.md). The windows are 1 or
-- 2 minutes long and name a segment where the route takes one, so the rows each query reads stop
-- growing within the warm-up: a window longer than the run reads more rows every minute (up to the
-- quality service's 1M-row cap), and the memory those queries hold at the same time would read as
-- growth for the whole run.

local KNOWN_IDS = tonumber(os.getenv("SOAK_KNOWN_IDS") or "0")

local function get(path)
  return function() return http_request("GET", path) end
end

local function get_segment(format, segments)
  return function()
    counter = counter + 1
    return http_request("GET", string.format(format, counter % segments))
  end
end

local function probe(name, path)
  return {name = name, family = "query", weight = 1, doc503 = true, make = get(path)}
end

KINDS = {
  {name = "models_list", family = "query", weight = 2, make = get("/v1/models")},
  {name = "model_get", family = "query", weight = 2, make = get("/v1/models/soak_demand")},
  {name = "performance", family = "query", weight = 2,
   make = get_segment("/v1/models/soak_demand/performance?window=1m&segment=restaurant_%d", DEMAND_SEGMENTS)},
  {name = "performance_pooled", family = "query", weight = 1,
   make = get("/v1/models/soak_risk/performance?window=1m")},
  {name = "performance_from_to", family = "query", weight = 1, make = function()
    local now = os.time()
    return http_request("GET", string.format("/v1/models/soak_risk/performance?from=%d&to=%d&version=v1",
                                             now - 60, now + 1))
  end},
  {name = "drift", family = "query", weight = 1,
   make = get_segment("/v1/models/soak_demand/drift?window=1m&segment=restaurant_%d", DEMAND_SEGMENTS)},
  {name = "quality", family = "query", weight = 1,
   make = get_segment("/v1/models/soak_demand/quality?window=1m&segment=restaurant_%d", DEMAND_SEGMENTS)},
  {name = "history", family = "query", weight = 1,
   make = get_segment("/v1/models/soak_demand/history?metric=mae&bucket=1m&window=2m&segment=restaurant_%d",
                      DEMAND_SEGMENTS)},
  {name = "history_auc", family = "query", weight = 1,
   make = get("/v1/models/soak_risk/history?metric=auc&bucket=1m&window=2m&segment=region_1")},
  {name = "references", family = "query", weight = 1, make = get("/v1/models/soak_demand/references")},
  {name = "importance_change", family = "query", weight = 1,
   make = get("/v1/models/soak_demand/importance-change?from=v1&to=v2")},
  {name = "prediction_get", family = "query", weight = 1, make = function()
    counter = counter + 1
    return http_request("GET", string.format("/v1/predictions/soak-known-%d", counter % math.max(KNOWN_IDS, 1)))
  end},
  {name = "metrics", family = "query", weight = 1, make = get("/metrics")},
  {name = "alerts", family = "query", weight = 1, make = get("/v1/alerts")},
  {name = "alerts_history", family = "query", weight = 1, make = get("/v1/alerts/history?limit=50")},
  {name = "rules", family = "query", weight = 1, make = get("/v1/rules")},
  {name = "admin_profiles", family = "query", weight = 1, make = get("/v1/admin/profiles")},
  {name = "admin_evaluator", family = "query", weight = 1, make = get("/v1/admin/evaluator")},
  probe("health", "/health"),
  probe("health_db", "/health/db"),
  probe("livez", "/livez"),
  probe("readyz", "/readyz"),
}
