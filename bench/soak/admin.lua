-- Soak family "admin": registry writes, reference uploads and profile-cache unloads. Names cycle
-- through a fixed set, so the registry stops growing after the first cycle.

local reference_csv = nil

FAMILY_INIT = function()
  reference_csv = demand_reference_csv(200)
end

local function put_json(path, body)
  return http_request("PUT", path, {["Content-Type"] = "application/json"}, body)
end

KINDS = {
  {name = "put_model", family = "admin", weight = 2, make = function()
    counter = counter + 1
    return put_json("/v1/models/soak_demand",
                    string.format('{"task":"regression","description":"soak update %d"}', counter))
  end},
  {name = "put_model_cycle", family = "admin", weight = 1, make = function()
    counter = counter + 1
    return put_json(string.format("/v1/models/soak_admin_%d", counter % 20),
                    '{"task":"binary_classification","description":"registered by the soak"}')
  end},
  {name = "put_version", family = "admin", weight = 3, make = function()
    counter = counter + 1
    local v = counter % 5 + 1
    return put_json(string.format("/v1/models/soak_demand/versions/v%d", v), string.format(
        '{"metrics":{"mae":%.2f,"rmse":%.2f},"training_duration_seconds":%d,"model_size_bytes":%d,' ..
        '"feature_importance":{"temp":%.2f,"lag_7":%.2f,"promo":0.1,"weekday":0.05},' ..
        '"segment":"restaurant_%d","latest":%s,"notes":"soak","params":{"depth":%d,"eta":0.1}}',
        3 + v / 10, 4 + v / 10, 60 + v, 1000000 + v, 0.5 + v / 20, 0.3 - v / 50,
        counter % DEMAND_SEGMENTS, (v == 1) and "true" or "false", 4 + v))
  end},
  {name = "reference_csv", family = "admin", weight = 1, make = function()
    counter = counter + 1
    return http_request("POST", string.format("/v1/models/soak_demand/versions/v1/reference?segment=restaurant_%d",
                                              counter % DEMAND_SEGMENTS),
                        {["Content-Type"] = "text/csv"}, reference_csv)
  end},
  {name = "reference_window", family = "admin", weight = 1, make = function()
    local now = os.time()
    return post_json("/v1/models/soak_risk/versions/v1/reference",
                     string.format('{"from":%d,"to":%d,"segment":"region_2"}', now - 5, now))
  end},
  {name = "profiles_unload", family = "admin", weight = 1, make = function()
    return post_json("/v1/admin/profiles/unload", '{"model":"soak_demand"}')
  end},
}
