"""The prediction service the integration tests put behind modelwatch's proxy.

A small FastAPI + uvicorn + scikit-learn API shaped like the deployments modelwatch watches: a
restaurant demand forecast (Ridge regression) and a patient risk score (LogisticRegression), both
trained at start on rows generated from --seed, so the same seed gives the same predictions in any
process (tests compare against `Models(seed)` imported from this file).

Routes (the calls are counted per route template, see /_test/calls):
  POST /predict/batch               {"restaurant_id", "instances":[{features}]}
                                    -> {"predictions":[..]}
  POST /predict/{restaurant_id}     {"features":{..}} -> {"restaurant_id","prediction","model",
                                    "model_version"}
  POST /v1/models/risk:predict      KServe V1: {"instances":[[3 numbers] | {age,bmi,glucose}]}
                                    -> {"predictions":[probability, ..]}
  POST /v2/models/risk/infer        Open Inference v2: inputs[0] FP32 shape [N,3] (flat or nested
                                    data) -> outputs "label" (INT64) and "probability" (FP32)
  GET  /sleep/{ms}                  answers after ms milliseconds; a client that disconnects before
                                    is noticed within 10 ms and counted in "cancelled"
  GET  /health, GET /health/db      the seeds' shapes; values set by POST /_test/state
  GET  /_test/calls                 {"calls":{"METHOD /template":n, "METHOD unmatched":n},
                                    "cancelled":n} (the /_test/* routes are not counted)
  GET  /_test/requests              the last 100 requests: {"method","target","headers":[[name,
                                    value],..]}, names lower-case, in arrival order, duplicates kept
  POST /_test/state                 sets any of status, database_connected, redis_connected,
                                    model_loaded, database_status, connection_pool, table_stats,
                                    health_http_status; null removes a field from the answers
  POST /_test/reset                 calls, cancelled, requests and state back to the start
The predict routes honour the request headers X-Test-Status (answer with that status and a JSON
error body) and X-Test-Delay-Ms (wait before answering). /openapi.json is FastAPI's own, without
the /_test/* routes (a proxy learning routes from it sees only the service's API).

Run: /usr/bin/python3 prediction_service.py --host 127.0.0.1 --port P --seed 7 (Debian's python3:
fastapi 0.92, uvicorn 0.17.6, scikit-learn 1.2.1). Prints one readiness line on stdout once the
socket listens: "prediction_service listening on HOST:PORT (seed N)".
"""

import argparse
import asyncio
import collections
import copy
import datetime
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DEMAND_DEFAULTS = {"temp": 18.0, "weekday": "mon", "promo": False, "lag_7": 40.0}
RISK_FEATURES = ["age", "bmi", "glucose"]
TRAINING_ROWS = 2000


class Models:
    """Both models, trained from numpy's RandomState(seed): deterministic for a seed."""

    def __init__(self, seed):
        rng = np.random.RandomState(seed)
        temp = rng.normal(18.0, 7.0, TRAINING_ROWS)
        weekday = rng.randint(0, 7, TRAINING_ROWS)
        promo = rng.randint(0, 2, TRAINING_ROWS)
        lag_7 = rng.normal(40.0, 12.0, TRAINING_ROWS)
        covers = (10.0 + 0.8 * temp + 6.0 * (weekday >= 4) + 9.0 * promo + 0.6 * lag_7
                  + rng.normal(0.0, 4.0, TRAINING_ROWS))
        rows = np.array([self._demand_row(t, w, p, l)
                         for t, w, p, l in zip(temp, weekday, promo, lag_7)])
        self.demand = Ridge(alpha=1.0).fit(rows, covers)
        risk_x = np.column_stack([rng.normal(55.0, 15.0, TRAINING_ROWS),
                                  rng.normal(27.0, 5.0, TRAINING_ROWS),
                                  rng.normal(100.0, 25.0, TRAINING_ROWS)])
        logit = -0.05 * 55 - 0.1 * 27 - 0.02 * 100 + 0.05 * risk_x[:, 0] + 0.1 * risk_x[:, 1] \
            + 0.02 * risk_x[:, 2]
        risk_y = (rng.uniform(0.0, 1.0, TRAINING_ROWS) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
        self.risk = LogisticRegression(max_iter=1000).fit(risk_x, risk_y)

    @staticmethod
    def _demand_row(temp, weekday_index, promo, lag_7):
        one_hot = [1.0 if weekday_index == i else 0.0 for i in range(7)]
        return [float(temp), float(promo), float(lag_7)] + one_hot

    @staticmethod
    def _number(value, default):
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if isinstance(value, (int, float)):
            return float(value)
        return float(default)

    def demand_row(self, features):
        """The model's input for a features object; absent or ill-typed values take defaults."""
        f = dict(DEMAND_DEFAULTS)
        f.update(features if isinstance(features, dict) else {})
        weekday = f["weekday"]
        if isinstance(weekday, str) and weekday.lower()[:3] in WEEKDAYS:
            weekday_index = WEEKDAYS.index(weekday.lower()[:3])
        elif isinstance(weekday, int) and not isinstance(weekday, bool):
            weekday_index = weekday % 7
        else:
            weekday_index = 0
        return self._demand_row(self._number(f["temp"], DEMAND_DEFAULTS["temp"]), weekday_index,
                                self._number(f["promo"], 0), self._number(f["lag_7"], 40.0))

    def predict_demand(self, instances):
        """Covers for each features object, rounded to 4 decimals (exact in JSON both ways)."""
        rows = np.array([self.demand_row(f) for f in instances], dtype=float)
        return [round(float(v), 4) for v in self.demand.predict(rows)]

    def risk_rows(self, instances):
        rows = []
        for inst in instances:
            if isinstance(inst, dict):
                rows.append([self._number(inst.get(k), 0.0) for k in RISK_FEATURES])
            else:
                row = [self._number(v, 0.0) for v in list(inst)[:3]]
                rows.append(row + [0.0] * (3 - len(row)))
        return np.array(rows, dtype=float).reshape(-1, 3)

    def predict_risk(self, rows):
        """(labels, probabilities of label 1), probabilities rounded to 6 decimals."""
        proba = self.risk.predict_proba(rows)[:, 1]
        return [int(p >= 0.5) for p in proba], [round(float(p), 6) for p in proba]


def initial_state():
    return {
        "status": "healthy",
        "database_connected": True,
        "redis_connected": True,
        "model_loaded": True,
        "database_status": "healthy",
        "connection_pool": {"total": 10, "active": 2, "idle": 8},
        "table_stats": {"predictions": 5000, "restaurants": 50, "features": 25000},
        "health_http_status": 200,
    }


def build_app(models):
    # Imported here so that `Models` can be imported by a test without FastAPI's start-up cost.
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from starlette.routing import Match

    app = FastAPI(title="modelwatch test prediction service", version="1.0.0")
    counters = {"calls": collections.Counter(), "cancelled": 0}
    recent = collections.deque(maxlen=100)
    state = initial_state()

    def count_and_record(scope):
        """Pure ASGI (no BaseHTTPMiddleware, which would wrap receive and hide disconnects)."""
        path = scope.get("path", "")
        if path.startswith("/_test/"):
            return
        key = scope["method"] + " unmatched"
        for route in app.router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                key = scope["method"] + " " + route.path
                break
        counters["calls"][key] += 1
        target = scope.get("raw_path", path.encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        recent.append({"method": scope["method"], "target": target,
                       "headers": [[n.decode("latin-1").lower(), v.decode("latin-1")]
                                   for n, v in scope["headers"]]})

    class Recorder:
        def __init__(self, app):
            self.inner = app

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                count_and_record(scope)
            await self.inner(scope, receive, send)

    app.add_middleware(Recorder)

    async def test_headers(request):
        """The X-Test-* behaviour of the predict routes: a response to send instead, or None."""
        delay = request.headers.get("x-test-delay-ms")
        if delay and delay.isdigit():
            await asyncio.sleep(int(delay) / 1000.0)
        status = request.headers.get("x-test-status")
        if status and status.isdigit() and 200 <= int(status) <= 599 and int(status) != 200:
            return JSONResponse({"detail": "status requested by X-Test-Status"},
                                status_code=int(status))
        return None

    @app.post("/predict/batch")
    async def predict_batch(request: Request):
        forced = await test_headers(request)
        if forced is not None:
            return forced
        body = await request.json()
        instances = body.get("instances") if isinstance(body, dict) else None
        if not isinstance(instances, list):
            return JSONResponse({"detail": "instances: a list is required"}, status_code=422)
        return {"predictions": models.predict_demand(instances) if instances else []}

    @app.post("/predict/{restaurant_id}")
    async def predict(restaurant_id: int, request: Request):
        forced = await test_headers(request)
        if forced is not None:
            return forced
        body = await request.json()
        features = body.get("features") if isinstance(body, dict) else None
        if not isinstance(features, dict):
            return JSONResponse({"detail": "features: an object is required"}, status_code=422)
        return {"restaurant_id": restaurant_id, "prediction": models.predict_demand([features])[0],
                "model": "demand_forecast", "model_version": "v1"}

    @app.post("/v1/models/risk:predict")
    async def risk_v1(request: Request):
        forced = await test_headers(request)
        if forced is not None:
            return forced
        body = await request.json()
        instances = body.get("instances") if isinstance(body, dict) else None
        if not isinstance(instances, list) or not instances:
            return JSONResponse({"error": "instances: a non-empty list is required"},
                                status_code=400)
        try:
            rows = models.risk_rows(instances)
        except TypeError:
            return JSONResponse({"error": "instances: arrays or objects"}, status_code=400)
        _, proba = models.predict_risk(rows)
        return {"predictions": proba}

    @app.post("/v2/models/risk/infer")
    async def risk_v2(request: Request):
        forced = await test_headers(request)
        if forced is not None:
            return forced
        body = await request.json()
        try:
            tensor = body["inputs"][0]
            rows = np.array(tensor["data"], dtype=float).reshape(-1, 3)
        except (KeyError, IndexError, TypeError, ValueError):
            return JSONResponse({"error": "inputs[0]: FP32 data of shape [N, 3] is required"},
                                status_code=400)
        labels, proba = models.predict_risk(rows)
        answer = {"model_name": "risk", "model_version": "v1", "outputs": [
            {"name": "label", "shape": [len(labels)], "datatype": "INT64", "data": labels},
            {"name": "probability", "shape": [len(proba)], "datatype": "FP32", "data": proba}]}
        if isinstance(body.get("id"), str):
            answer["id"] = body["id"]
        return answer

    @app.get("/sleep/{ms}")
    async def sleep(ms: int, request: Request):
        deadline = time.monotonic() + ms / 1000.0
        while time.monotonic() < deadline:
            if await request.is_disconnected():
                counters["cancelled"] += 1
                return JSONResponse({"cancelled": True}, status_code=499)
            await asyncio.sleep(min(0.01, max(0.0, deadline - time.monotonic())))
        return {"slept_ms": ms}

    def present(keys):
        return {k: state[k] for k in keys if state.get(k) is not None}

    @app.get("/health")
    async def health():
        body = present(["status"])
        body["timestamp"] = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        body.update(present(["database_connected", "redis_connected", "model_loaded"]))
        return JSONResponse(body, status_code=int(state["health_http_status"] or 200))

    @app.get("/health/db")
    async def health_db():
        return present(["database_status", "connection_pool", "table_stats"])

    @app.get("/_test/calls", include_in_schema=False)
    async def test_calls():
        return {"calls": dict(counters["calls"]), "cancelled": counters["cancelled"]}

    @app.get("/_test/requests", include_in_schema=False)
    async def test_requests():
        return list(recent)

    @app.post("/_test/state", include_in_schema=False)
    async def test_state(request: Request):
        body = await request.json()
        if not isinstance(body, dict) or any(k not in initial_state() for k in body):
            return JSONResponse({"detail": "known keys: " + ", ".join(initial_state())},
                                status_code=422)
        state.update(copy.deepcopy(body))
        return state

    @app.post("/_test/reset", include_in_schema=False)
    async def test_reset():
        counters["calls"].clear()
        counters["cancelled"] = 0
        recent.clear()
        state.clear()
        state.update(initial_state())
        return {"reset": True}

    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import uvicorn

    app = build_app(Models(args.seed))
    config = uvicorn.Config(app, host=args.host, port=args.port, timeout_keep_alive=5,
                            log_level="warning", access_log=False, workers=1, lifespan="off",
                            proxy_headers=False)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if not self.should_exit:  # startup sets should_exit when the bind failed
                print(f"prediction_service listening on {args.host}:{args.port} (seed {args.seed})",
                      flush=True)

    Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
