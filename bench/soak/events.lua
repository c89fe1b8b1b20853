-- Valid request bodies shared by the soak's wrk scripts (bench/soak.py puts this file first).
-- The models, versions and segments are the ones bench/soak.py registers before the run:
-- soak_demand (regression, segments restaurant_0..19, versions v1..v5) and soak_risk (binary
-- classification, segments region_0..3).

local WEEKDAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
DEMAND_SEGMENTS = 20
RISK_SEGMENTS = 4

-- Ids of predictions this thread sent, so actuals can name them (a ring of the last 2000).
local recent_ids = {}
local recent_next = 0

function remember_id(id)
  recent_next = recent_next % 2000 + 1
  recent_ids[recent_next] = id
end

-- An id this thread sent a prediction for (or an unknown one before the first).
function earlier_id(i)
  if #recent_ids == 0 then return "soak-none-" .. i end
  return recent_ids[(i * 7919) % #recent_ids + 1]
end

function demand_event(id, i, extra)
  remember_id(id)
  return string.format(
      '{"id":"%s","model":"soak_demand","segment":"restaurant_%d","features":{"temp":%.2f,' ..
      '"weekday":"%s","promo":%d,"lag_7":%.1f},"prediction":%.3f,"latency_ms":%.2f%s}',
      id, i % DEMAND_SEGMENTS, 10 + (i % 20) + (i % 7) / 10, WEEKDAYS[i % 7 + 1], i % 2,
      30 + (i % 40), 40 + (i % 17), (i % 50) / 10, extra or "")
end

function risk_event(id, i)
  remember_id(id)
  local p = (i % 100) / 100
  return string.format(
      '{"id":"%s","model":"soak_risk","version":"v1","segment":"region_%d","timestamp":%d,' ..
      '"features":{"income":%d,"region":"r%d","tenure":%d,"flag":%s},"prediction":%.2f,"actual":%d}',
      id, i % RISK_SEGMENTS, os.time() - (i % 30), 20000 + (i % 500) * 100, i % 5, i % 120,
      (i % 3 == 0) and "true" or "false", p, (i % 3 == 0) and 1 or 0)
end

function actual_for(id, i)
  return string.format('{"id":"%s","actual":%.3f}', id, 40 + (i % 23))
end

-- A small training CSV with the soak_demand features, for reference uploads.
function demand_reference_csv(rows)
  local lines = {"temp,weekday,promo,lag_7,prediction,actual"}
  for i = 1, rows do
    lines[#lines + 1] = string.format("%.2f,%s,%d,%.1f,%.3f,%.3f", 10 + (i % 20), WEEKDAYS[i % 7 + 1],
                                      i % 2, 30 + (i % 40), 40 + (i % 17), 41 + (i % 19))
  end
  return table.concat(lines, "\n") .. "\n"
end
