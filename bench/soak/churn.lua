-- Soak family "churn": every request asks for "Connection: close", so each one is sent on a new
-- connection (wrk reconnects after the server closes). The raw-socket kinds of bench/soak_raw.py
-- add connections the client abandons.

local close = {["Connection"] = "close"}

KINDS = {
  {name = "churn_livez", family = "churn", weight = 2, make = function()
    return http_request("GET", "/livez", close)
  end},
  {name = "churn_health", family = "churn", weight = 1, doc503 = true, make = function()
    return http_request("GET", "/health", close)
  end},
  {name = "churn_models", family = "churn", weight = 1, make = function()
    return http_request("GET", "/v1/models", close)
  end},
  {name = "churn_predict", family = "churn", weight = 2, make = function()
    return post_json("/v1/predictions", demand_event(next_id("c"), counter), close)
  end},
}
