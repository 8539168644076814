"""`make serve`: the model in a stage behind HTTP (FastAPI on uvicorn, 127.0.0.1).

POST /predict   one JSON row or a list of rows -> probability and label per row
GET  /health    200 once the model is loaded
GET  /metadata  the model: version, stage, git commit, tags, md5, its input rules
GET  /metrics   Prometheus: requests, latencies, errors, rows, predicted probabilities

Requests are checked with the dataset's feature rules (core/feature_rules.py) and
the categories the model was trained on. A bad request gets 400 (not JSON), 413 (too
large) or 422 (breaks a rule); the message names the row, field and rule, never the
value sent. Every scored row is appended to the prediction log (prediction_log.py).
"""

from __future__ import annotations

import argparse
import time
import uuid
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request  # at module level: FastAPI resolves annotations here

from flight_delay.core.feature_rules import InputRules, describe_error, request_validator
from flight_delay.operate.model_arguments import add_model_arguments

if TYPE_CHECKING:
    from flight_delay.infra.config import ServeConfig
    from flight_delay.operate.prediction_log import PredictionLog
    from flight_delay.operate.served_model import ServedModel

MAX_REPORTED_ERRORS = 20
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
PROBABILITY_BUCKETS = tuple(round(0.1 * i, 1) for i in range(1, 11))


class Rejected(Exception):
    def __init__(self, status: int, message: str, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or []


class ServiceMetrics:
    """Prometheus metrics in a registry of their own (no global state)."""

    def __init__(self, metadata: dict[str, str], label: str, event: str) -> None:
        """`label`: the positive class's name (`delayed`); `event`: what it stands for."""
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("flight_delay_requests", "HTTP requests by path and status",
                                ["path", "status"], registry=self.registry)  # fmt: skip
        self.latency = Histogram("flight_delay_request_latency_seconds", "Time to answer",
                                 ["path"], registry=self.registry)  # fmt: skip
        self.errors = Counter("flight_delay_rejected_requests", "Requests refused, by reason",
                              ["reason"], registry=self.registry)  # fmt: skip
        self.rows = Counter("flight_delay_rows_scored", "Rows scored", registry=self.registry)
        self.probability = Histogram(
            "flight_delay_predicted_probability", f"Predicted probability of a {event}",
            buckets=PROBABILITY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.positive = Counter(f"flight_delay_predicted_{label}", f"Rows predicted {label}",
                                registry=self.registry)  # fmt: skip
        info = Gauge("flight_delay_model_info", "The model served (value 1)",
                     ["version", "stage", "model_md5"], registry=self.registry)  # fmt: skip
        info.labels(metadata.get("version", ""), metadata.get("stage", ""),
                    metadata.get("model_md5", "")).set(1)  # fmt: skip


KNOWN_PATHS = frozenset({"/health", "/metadata", "/metrics", "/predict"})


class Measured:
    """ASGI middleware: count and time every request (lighter than @app.middleware)."""

    def __init__(self, app: Any, metrics: ServiceMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), [500]

        async def send_status(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            path = scope["path"] if scope["path"] in KNOWN_PATHS else "other"
            self.metrics.requests.labels(path, str(status[0])).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - start)


async def read_body(request: Any, limit: int) -> bytes:
    """The body, refusing (413) anything over `limit` bytes before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise Rejected(413, f"the body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Rejected(413, f"the body is larger than {limit} bytes")
    return bytes(body)


def parse_rows(
    body: bytes, validator: Any, rules: InputRules, max_rows: int
) -> list[dict[str, Any]]:
    """Validated rows, or Rejected naming each broken rule (never the values)."""
    from pydantic import ValidationError
    from pydantic_core import from_json

    try:
        data = from_json(body)
    except ValueError:
        raise Rejected(400, "the body is not valid JSON") from None
    data = [data] if isinstance(data, dict) else data
    if isinstance(data, list) and len(data) > max_rows:  # before validating them all
        raise Rejected(422, f"{len(data)} rows; at most {max_rows} per request")
    try:
        rows = validator.validate_python(data)
    except ValidationError as err:
        errors = err.errors(include_url=False)
        described = [describe_error(e, rules) for e in errors[:MAX_REPORTED_ERRORS]]
        raise Rejected(422, f"{len(errors)} problem(s) in the request", described) from None
    if not rows:
        raise Rejected(422, "no rows: send one JSON object or a non-empty list of them")
    return [row.__dict__ for row in rows]


def create_app(served: ServedModel, serve: ServeConfig, log: PredictionLog | None) -> FastAPI:
    from fastapi.responses import JSONResponse, Response
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    app = FastAPI(title="flight-delay", docs_url=None, redoc_url=None, openapi_url=None)
    label = served.dataset.label
    metrics = ServiceMetrics(served.metadata, label, served.dataset.positive_event)
    rules = served.rules
    validator = request_validator(rules, served.categories)
    inputs = {"numeric": served.numeric, "categorical": served.categorical,
              "rules": {c: r.describe() for c, r in rules.inputs.items()},
              "categories": served.categories}  # fmt: skip

    app.add_middleware(Measured, metrics=metrics)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "version": served.metadata.get("version", "")}

    @app.get("/metadata")
    def metadata() -> dict:
        return {**served.metadata, "threshold": served.threshold, "inputs": inputs}

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/predict")
    async def predict(request: Request) -> JSONResponse:
        try:
            body = await read_body(request, serve.max_body_bytes)
            rows = parse_rows(body, validator, rules, serve.max_rows)
        except Rejected as err:
            metrics.errors.labels(str(err.status)).inc()
            content = {"message": err.message, "errors": err.errors}
            return JSONResponse(content, status_code=err.status)
        probabilities = served.score_rows(rows).tolist()
        predicted = [int(p >= served.threshold) for p in probabilities]
        request_id = uuid.uuid4().hex
        if log is not None:
            log.append(request_id, rows, probabilities, predicted)
        metrics.rows.inc(len(rows))
        metrics.positive.inc(sum(predicted))
        for p in probabilities:
            metrics.probability.observe(p)
        return JSONResponse({
            "request_id": request_id, "version": served.metadata.get("version", ""),
            "predictions": [{"probability": p, label: y}
                            for p, y in zip(probabilities, predicted, strict=True)],
        })  # fmt: skip

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(parser)
    parser.add_argument("--host", default=None, help="default: serve.host (127.0.0.1)")
    parser.add_argument("--expose", action="store_true",
                        help="allow a non-loopback host (with TLS and auth in front)")  # fmt: skip
    parser.add_argument("--port", type=int, default=None, help="default: serve.port")
    parser.add_argument("--log", default=None,
                        help="default: serve.prediction_log; '' for none")  # fmt: skip
    args = parser.parse_args(argv)

    from pathlib import Path

    import uvicorn

    from flight_delay.infra.config import load_config
    from flight_delay.operate.prediction_log import PredictionLog
    from flight_delay.operate.served_model import ModelSourceError, load_served_model

    config = load_config()
    try:
        served = load_served_model(config, args.stage, args.source, args.model, args.remote)
    except ModelSourceError as err:
        raise SystemExit(f"serve: {err}") from None
    log_path = config.serve.prediction_log if args.log is None else args.log
    log = PredictionLog(Path(log_path), served.metadata) if log_path else None
    host, port = args.host or config.serve.host, args.port or config.serve.port
    if host not in LOOPBACK and not args.expose:
        raise SystemExit(f"serve: refusing to listen on {host}, beyond this machine: the "
                         "service has no TLS or authentication (--expose to insist)")  # fmt: skip
    meta = served.metadata
    print(f"serve: {meta['artifact']} {meta['version']} ({meta['source']}) on "
          f"http://{host}:{port}; prediction log: {log_path or 'off'}", flush=True)  # fmt: skip
    app = create_app(served, config.serve, log)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
