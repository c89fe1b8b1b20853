-- Soak: invalid requests, in switchable families (bench/soak.py's SOAK_INVALID). Every one must get
-- a 4xx answer (or a documented 503); none may crash the server or make it grow.

-- Bodies too large to build per request: each is built on first use by its thread (not in init:
-- wrk runs every thread's init before it installs its SIGINT handler, and ends without a report
-- when interrupted before that).
local big = {}
local builders = {}

local function nest(depth, open, close, inner)
  return string.rep(open, depth) .. (inner or "") .. string.rep(close, depth)
end

local function deep() return nest(100000, "[", "]") end
builders.deep_event = function() return '{"model":"soak_demand","prediction":1,"features":{"x":' .. deep() .. '}}' end
builders.deep_objects = function() return '{"events":' .. nest(50000, '{"a":', "}", "1") .. "}" end
builders.deep_actuals = function() return '{"actuals":' .. deep() .. "}" end
builders.deep_version = function() return '{"metrics":{"mae":1},"extra":' .. deep() .. "}" end
builders.deep_model = function() return '{"task":"regression","description":"deep","extra":' .. deep() .. "}" end
builders.deep_unload = function() return '{"model":' .. deep() .. "}" end
builders.huge_key = function()
  return '{"model":"soak_demand","prediction":1,"' .. string.rep("k", 1024 * 1024) .. '":1}'
end
builders.many_unknown = function()
  local unknown = {}
  for i = 1, 1000 do unknown[i] = string.format('"unknown_%d":%d', i, i) end
  return '{"model":"soak_demand","prediction":1,' .. table.concat(unknown, ",") .. "}"
end
builders.too_many_events = function()
  local events = {}
  for i = 1, 100001 do events[i] = '{"model":"soak_demand","prediction":1}' end
  return '{"events":[' .. table.concat(events, ",") .. "]}"
end
builders.long_name = function() return string.rep("n", 10000) end

local function body(key)
  big[key] = big[key] or builders[key]()
  return big[key]
end

local function post(path, body, content_type)
  return function()
    return http_request("POST", path, {["Content-Type"] = content_type or "application/json"}, body)
  end
end

local function put(path, body)
  return function() return http_request("PUT", path, {["Content-Type"] = "application/json"}, body) end
end

local function get(path)
  return function() return http_request("GET", path) end
end

local function lazy(method, path, key)  -- a body from `builders`
  return function()
    return http_request(method, path, {["Content-Type"] = "application/json"}, body(key))
  end
end

local function kind(family, name, make, weight)
  return {name = name, family = family, weight = weight or 1, make = make}
end

local P = "/v1/predictions"
local A = "/v1/actuals"
local EVENT = '"model":"soak_demand","segment":"restaurant_1"'

KINDS = {
  kind("malformed", "bad_json_truncated", post(P, '{"model":"soak_demand","prediction":')),
  kind("malformed", "bad_json_garbage", post(P, "not json at all")),
  kind("malformed", "bad_json_empty", post(P, "")),
  kind("malformed", "bad_json_trailing", post(P, '{' .. EVENT .. ',"prediction":1} trailing')),
  kind("malformed", "bad_ndjson_line", post(P, '{' .. EVENT .. ',"prediction":1}\n{"model":\n', "application/x-ndjson")),
  kind("malformed", "bad_actuals_json", post(A, '{"id":"x","actual":')),
  kind("malformed", "bad_registry_json", put("/v1/models/soak_demand", '{"task":')),
  kind("malformed", "bad_version_json", put("/v1/models/soak_demand/versions/v1", '[1,2')),
  kind("malformed", "bad_unload_json", post("/v1/admin/profiles/unload", "{,}")),

  kind("types", "type_prediction_string", post(P, '{' .. EVENT .. ',"prediction":"high"}')),
  kind("types", "type_model_number", post(P, '{"model":17,"prediction":1}')),
  kind("types", "type_feature_object", post(P, '{' .. EVENT .. ',"prediction":1,"features":{"x":{"y":1}}}')),
  kind("types", "type_nan", post(P, '{' .. EVENT .. ',"prediction":NaN}')),
  kind("types", "type_huge_number", post(P, '{' .. EVENT .. ',"prediction":1e999}')),
  kind("types", "type_bad_timestamp", post(P, '{' .. EVENT .. ',"prediction":1,"timestamp":"yesterday"}')),
  kind("types", "type_future_timestamp", function()
    return http_request("POST", P, {["Content-Type"] = "application/json"},
                        string.format('{%s,"prediction":1,"timestamp":%d}', EVENT, os.time() + 86400))
  end),
  kind("types", "type_probability_range", post(P, '{"model":"soak_risk","prediction":1.5}')),
  kind("types", "type_negative_latency", post(P, '{' .. EVENT .. ',"prediction":1,"latency_ms":-3}')),
  kind("types", "type_events_not_array", post(P, '{"events":5}')),
  kind("types", "type_actual_string", post(A, '{"id":"x","actual":"yes"}')),
  kind("types", "type_registry_task", put("/v1/models/soak_demand", '{"task":"clustering"}')),
  kind("types", "type_version_metrics", put("/v1/models/soak_demand/versions/v1", '{"metrics":"good"}')),
  kind("types", "type_reference_window", post("/v1/models/soak_demand/versions/v1/reference", '{"from":"soon"}')),

  kind("unknown_fields", "unknown_event_field", post(P, '{' .. EVENT .. ',"predicton":1}')),
  kind("unknown_fields", "unknown_actual_field", post(A, '{"id":"x","actual":1,"colour":"red"}')),
  kind("unknown_fields", "unknown_envelope_field", post(P, '{"events":[],"extra":1}')),
  kind("unknown_fields", "unknown_registry_field", put("/v1/models/soak_demand", '{"task":"regression","colour":"red"}')),

  kind("huge_keys", "huge_key_1mib", lazy("POST", P, "huge_key")),
  kind("huge_keys", "many_unknown_keys", lazy("POST", P, "many_unknown")),

  kind("deep_ingest", "deep_event", lazy("POST", P, "deep_event")),
  kind("deep_ingest", "deep_envelope", lazy("POST", P, "deep_objects")),
  kind("deep_ingest", "deep_actuals", lazy("POST", A, "deep_actuals")),
  kind("deep_registry", "deep_version_metadata", lazy("PUT", "/v1/models/soak_demand/versions/v_deep", "deep_version")),
  kind("deep_registry", "deep_model", lazy("PUT", "/v1/models/soak_deep", "deep_model")),
  kind("deep_registry", "deep_unload", lazy("POST", "/v1/admin/profiles/unload", "deep_unload")),

  kind("bad_names", "name_path_ff_version", put("/v1/models/soak_demand/versions/%ff%fe", '{"latest":false}')),
  -- A non-UTF-8 latest version, and events that resolve to it (issue 17, defect 1).
  kind("bad_names", "name_model_for_ff", put("/v1/models/soak_names", '{"task":"regression"}')),
  kind("bad_names", "name_path_ff_latest", put("/v1/models/soak_names/versions/v%ff", '{"metrics":{"mae":1}}')),
  kind("bad_names", "name_events_ff_latest", post(P, '{"model":"soak_names","prediction":1,"actual":2}')),
  kind("bad_names", "name_path_ff_model", put("/v1/models/soak_%ff", '{"task":"regression"}')),
  kind("bad_names", "name_path_control", put("/v1/models/soak_%01ctl", '{"task":"regression"}')),
  kind("bad_names", "name_path_slash", put("/v1/models/soak_x%2Fversions%2Fy", '{"task":"regression"}')),
  kind("bad_names", "name_query_ff", get("/v1/models/%ff/performance?segment=%fe")),
  kind("bad_names", "name_raw_ff", post(P, '{"model":"soak_\255","prediction":1}')),
  kind("bad_names", "name_lone_surrogate", post(P, '{"model":"soak_\\udcff","prediction":1}')),
  kind("bad_names", "name_escaped_control", post(P, '{"model":"soak_\\u0001ctl","prediction":1}')),
  kind("bad_names", "name_segment_control", post(P, '{"model":"soak_demand","segment":"r\\u001b[31m","prediction":1}')),
  kind("bad_names", "name_feature_surrogate", post(P, '{' .. EVENT .. ',"prediction":1,"features":{"\\ud800":1}}')),
  kind("bad_names", "name_version_ff", post(P, '{' .. EVENT .. ',"version":"v\\udfff","prediction":1}')),
  kind("bad_names", "name_long", function()
    return http_request("POST", P, {["Content-Type"] = "application/json"},
                        '{"model":"' .. body("long_name") .. '","prediction":1}')
  end),

  kind("many_models", "new_model_name", function()
    counter = counter + 1
    return http_request("POST", P, {["Content-Type"] = "application/json"}, string.format(
        '{"model":"soak_mm_%s_%d_%d","prediction":1}', RUN, tid or 0, counter))
  end, 4),

  kind("content_type", "ctype_text_plain", post(P, '{' .. EVENT .. ',"prediction":1}', "text/plain")),
  kind("content_type", "ctype_missing", function()
    return http_request("POST", P, {}, '{' .. EVENT .. ',"prediction":1}')
  end),
  kind("content_type", "ctype_form", post(P, "model=soak_demand&prediction=1", "application/x-www-form-urlencoded")),
  kind("content_type", "ctype_csv_predictions", post(P, "model,prediction\nsoak_demand,1\n", "text/csv")),
  kind("content_type", "ctype_ndjson_registry", function()
    return http_request("PUT", "/v1/models/soak_demand", {["Content-Type"] = "application/x-ndjson"}, '{"task":"regression"}')
  end),
  kind("content_type", "ctype_xml_reference", post("/v1/models/soak_demand/versions/v1/reference", "<a/>", "application/xml")),

  kind("oversized", "declared_17mib", function()
    return http_request("POST", P, {["Content-Type"] = "application/json", ["Content-Length"] = "17825792"})
  end),
  kind("oversized", "declared_reference_2gib", function()
    return http_request("POST", "/v1/models/soak_demand/versions/v1/reference",
                        {["Content-Type"] = "text/csv", ["Content-Length"] = "2147483648"})
  end),
  -- 100,001 events in 2.8 MB: over ingest.max_events_per_request, under server.max_body_bytes.
  kind("many_events", "too_many_events", lazy("POST", P, "too_many_events")),

  kind("bad_queries", "query_window_text", get("/v1/models/soak_demand/performance?window=abc")),
  -- Windows out of range (issue 17, defect 10): today they overflow into a window over the whole
  -- table, so they are a family of their own.
  kind("huge_windows", "query_window_huge", get("/v1/models/soak_demand/drift?window=999999999d")),
  kind("huge_windows", "query_from_overflow", get("/v1/models/soak_demand/performance?from=9223372036854775807")),
  kind("huge_windows", "query_to_overflow", get("/v1/models/soak_demand/quality?from=0&to=-9223372036854775808")),
  kind("bad_queries", "query_from_after_to", get("/v1/models/soak_demand/quality?from=2000&to=1000")),
  kind("bad_queries", "query_window_and_from", get("/v1/models/soak_demand/performance?window=1h&from=1")),
  kind("bad_queries", "query_bucket_small", get("/v1/models/soak_demand/history?metric=mae&bucket=1s")),
  kind("bad_queries", "query_metric_unknown", get("/v1/models/soak_demand/history?metric=bogus")),
  kind("bad_queries", "query_unknown_model", get("/v1/models/soak_nope/performance")),
  kind("bad_queries", "query_unknown_route", get("/v1/nothing/here")),
  kind("bad_queries", "query_wrong_method", function() return http_request("DELETE", "/v1/models") end),
  kind("bad_queries", "query_alert_state", get("/v1/alerts?state=sideways")),
  kind("bad_queries", "query_history_limit", get("/v1/alerts/history?limit=-1&before_id=x")),
  kind("bad_queries", "query_importance_unknown", get("/v1/models/soak_demand/importance-change?from=v1&to=v404")),
  kind("bad_queries", "query_prediction_unknown", get("/v1/predictions/soak-never-stored")),

  kind("conflict", "conflicting_id", function()
    counter = counter + 1
    return http_request("POST", P, {["Content-Type"] = "application/json"}, string.format(
        '{"id":"soak-conflict-%s-%d","model":"soak_demand","prediction":%d}', RUN, tid or 0, counter))
  end),
}
