-- wrk script of bench/proxy_bench.sh: the same prediction request every time, as a client of a
-- FastAPI demand-forecast service sends it (the cache row relies on the body never changing).
-- usage: wrk -t2 -c32 -d10s -s post_predict.lua http://127.0.0.1:PORT
wrk.method = "POST"
wrk.path = "/predict/17"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"features":{"temp":21.5,"weekday":"mon","promo":true,"lag_7":40}}'
