"""`make serve`: the model in a stage behind HTTP (FastAPI on uvicorn, 127.0.0.1).

POST /predict       one JSON row or a list of rows -> probability and label per row
GET  /health        200 once the model is loaded
GET  /metadata      the model: version, stage, git commit, tags, md5, its input rules
GET  /metrics       Prometheus: requests, latencies, errors, rows, predicted probabilities
GET  /openapi.json  the contract: every field's type, range, nullability and categories,
                    the response, and every error status with its body (`serve.docs`:
                    interactive docs at /docs)

Requests are checked with the dataset's feature rules (core/feature_rules.py) and the
categories the model was trained on: the same rules `make predict` applies, and the
same that /openapi.json publishes. A bad request gets 400 (not JSON, or a Host the
service does not answer to), 401 (no or a wrong bearer token, when one is set), 413
(too large), 415 (not `application/json`) or 422 (breaks a rule); the message names
the row, field and rule, never the value sent. Every scored row is appended to the
prediction log (prediction_log.py) before its prediction is returned: when the log
cannot take it in time, the answer is 503 with Retry-After, never an unlogged
prediction. Scoring and logging run off the event loop, so /health answers while a
large request is scored or the log is locked. `serve.workers` > 1 runs uvicorn worker
processes (worker_app), whose Prometheus metrics are summed across them.
"""

from __future__ import annotations

import argparse
import time
import uuid
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request  # at module level: FastAPI resolves annotations here
from fastapi.responses import JSONResponse, Response

from flight_delay.core.feature_rules import InputRules, describe_error, request_validator
from flight_delay.operate.model_arguments import add_model_arguments

if TYPE_CHECKING:
    from flight_delay.infra.config import PipelineConfig, ServeConfig
    from flight_delay.operate.prediction_log import PredictionLog
    from flight_delay.operate.served_model import ServedModel

MAX_REPORTED_ERRORS = 20
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
PROBABILITY_BUCKETS = tuple(round(0.1 * i, 1) for i in range(1, 11))


class Rejected(Exception):
    def __init__(self, status: int, message: str, errors: list[dict] | None = None,
                 headers: dict[str, str] | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or []
        self.headers = headers or {}


class ServiceMetrics:
    """Prometheus metrics in a registry of their own (no global state). With several
    workers (PROMETHEUS_MULTIPROC_DIR set before they start), each worker writes its
    values to that folder and /metrics sums them, whichever worker answers."""

    def __init__(self, metadata: dict[str, str], label: str, event: str) -> None:
        """`label`: the positive class's name (`delayed`); `event`: what it stands for."""
        import os

        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.shared = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
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
                     ["version", "stage", "model_md5"], registry=self.registry,
                     multiprocess_mode="max")  # fmt: skip
        info.labels(metadata.get("version", ""), metadata.get("stage", ""),
                    metadata.get("model_md5", "")).set(1)  # fmt: skip

    def exposition(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest

        if not self.shared:
            return generate_latest(self.registry)
        from prometheus_client.multiprocess import MultiProcessCollector

        every_worker = CollectorRegistry()
        MultiProcessCollector(every_worker)
        return generate_latest(every_worker)


KNOWN_PATHS = frozenset({"/health", "/metadata", "/metrics", "/predict", "/openapi.json"})
OPEN_PATHS = frozenset({"/health", "/openapi.json"})  # no token needed


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


async def _refuse(send: Any, status: int, message: str, headers: dict[str, str]) -> None:
    import json

    body = json.dumps({"message": message, "errors": []}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           *((k.lower().encode(), v.encode()) for k, v in headers.items())]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def host_name(header: str) -> str:
    """The name in a Host header, without its port ("[::1]:8000" -> "::1")."""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Guarded:
    """ASGI middleware: answer only to the allowed Host names (a page on another site that
    resolves its name to 127.0.0.1, DNS rebinding, gets 400), and, when a token is set,
    only to requests that carry it (401)."""

    def __init__(self, app: Any, hosts: frozenset[str], token: str | None) -> None:
        self.app, self.hosts, self.token = app, hosts, token

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        import hmac

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if host_name(headers.get("host", "")).lower() not in self.hosts:
            return await _refuse(send, 400, "the Host header names no host this service "
                                 "answers to (serve.allowed_hosts)", {})  # fmt: skip
        preflight = scope["method"] == "OPTIONS"  # a browser's CORS preflight has no token
        if self.token is not None and scope["path"] not in OPEN_PATHS and not preflight:
            given = headers.get("authorization", "")
            expected = f"Bearer {self.token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                return await _refuse(send, 401, "a bearer token is required "
                                     "(Authorization: Bearer ...)",
                                     {"WWW-Authenticate": "Bearer"})  # fmt: skip
        return await self.app(scope, receive, send)


def is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


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


def create_app(
    served: ServedModel, serve: ServeConfig, log: PredictionLog | None,
    hosts: frozenset[str] = LOOPBACK, token: str | None = None,
) -> FastAPI:  # fmt: skip
    from fastapi.openapi.utils import get_openapi
    from prometheus_client import CONTENT_TYPE_LATEST
    from starlette.concurrency import run_in_threadpool

    from flight_delay.core.feature_rules import request_row
    from flight_delay.operate import contract
    from flight_delay.operate.prediction_log import LogUnavailable

    artifact = served.metadata.get("artifact", "model")
    app = FastAPI(title=f"{artifact} service", version=served.metadata.get("version", ""),
                  docs_url="/docs" if serve.docs else None, redoc_url=None)  # fmt: skip
    dataset = served.dataset
    label = dataset.label
    metrics = ServiceMetrics(served.metadata, label, dataset.positive_event)
    rules = served.rules
    row = request_row(rules, served.categories)
    validator = request_validator(rules, served.categories)
    inputs = {"numeric": served.numeric, "categorical": served.categorical,
              "rules": {c: r.describe() for c, r in rules.inputs.items()},
              "categories": served.categories}  # fmt: skip

    if serve.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=serve.cors_origins,
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])  # fmt: skip
    app.add_middleware(Guarded, hosts=hosts, token=token)
    app.add_middleware(Measured, metrics=metrics)  # outermost: counts refusals too

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, routes=app.routes,
                                   description=__doc__.split("\n\n")[0])  # fmt: skip
            extra = contract.components(row.model_json_schema(), token is not None)
            document.setdefault("components", {}).update(extra)
            contract.guard_responses(document, token is not None, OPEN_PATHS)
            if token is not None:
                document["security"] = [{"bearer": []}]
                for path in OPEN_PATHS & set(document["paths"]):
                    for operation in document["paths"][path].values():
                        operation["security"] = []
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.served = served

    @app.get("/health")
    async def health() -> dict[str, str]:  # on the event loop: never waits for scoring
        return {"status": "ok", "version": served.metadata.get("version", "")}

    @app.get("/metadata")
    def metadata() -> dict[str, Any]:
        return {**served.metadata, "threshold": served.threshold, "inputs": inputs}

    @app.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    )
    def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    def score_and_log(body: bytes) -> dict[str, Any]:
        """In a worker thread: validate, score, log; the prediction only once logged."""
        rows = parse_rows(body, validator, rules, serve.max_rows)
        probabilities = served.score_rows(rows).tolist()
        predicted = [int(p >= served.threshold) for p in probabilities]
        request_id = uuid.uuid4().hex
        if log is not None:
            try:
                log.append(request_id, rows, probabilities, predicted)
            except LogUnavailable:
                busy = "the prediction log cannot take the rows now; nothing logged or returned"
                raise Rejected(503, busy, headers={"Retry-After": "1"}) from None
        metrics.rows.inc(len(rows))
        metrics.positive.inc(sum(predicted))
        for p in probabilities:
            metrics.probability.observe(p)
        return {
            "request_id": request_id, "version": served.metadata.get("version", ""),
            "predictions": [{"probability": p, label: y}
                            for p, y in zip(probabilities, predicted, strict=True)],
        }  # fmt: skip

    @app.post("/predict", response_class=JSONResponse, response_model=None,
              openapi_extra=contract.predict_operation(label, dataset.class_names,
                                                       serve.max_rows))  # fmt: skip
    async def predict(request: Request) -> JSONResponse:
        try:
            if not is_json(request.headers.get("content-type")):
                raise Rejected(415, "send the rows as JSON (Content-Type: application/json)")
            body = await read_body(request, serve.max_body_bytes)
            answer = await run_in_threadpool(score_and_log, body)
        except Rejected as err:
            metrics.errors.labels(str(err.status)).inc()
            content = {"message": err.message, "errors": err.errors}
            return JSONResponse(content, status_code=err.status, headers=err.headers)
        return JSONResponse(answer)

    return app


def served_hosts(host: str, allowed: list[str]) -> frozenset[str]:
    """The Host names the service answers to: loopback, the address it listens on, and
    serve.allowed_hosts."""
    return frozenset({*LOOPBACK, host.lower(), *(h.lower() for h in allowed)})


def read_token(serve: ServeConfig) -> str | None:
    """The bearer token: serve.token_file if set, else the environment variable
    serve.token_env; None when neither gives one."""
    import os
    from pathlib import Path

    if serve.token_file:
        try:
            token = Path(serve.token_file).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise SystemExit(f"serve: serve.token_file: {err}") from None
        if not token:
            raise SystemExit(f"serve: serve.token_file: {serve.token_file} is empty")
        return token
    return os.environ.get(serve.token_env, "").strip() or None


def limit_threads(threads: int) -> None:
    """BLAS/OpenMP threads for scoring, set before the model's libraries load (a worker
    thread's OpenMP pool takes its size from the environment)."""
    import os

    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


WORKER_SETTINGS = "SERVE_WORKER_SETTINGS"  # what `main` passes to each worker (JSON)


def serving_app(settings: dict[str, Any], config: PipelineConfig | None = None) -> FastAPI:
    """Load the model and open the log as `settings` say (main's arguments), and build
    the app: in the one process (with main's config), or in each worker (its own)."""
    from pathlib import Path

    from flight_delay.infra.config import load_config
    from flight_delay.operate.prediction_log import PredictionLog
    from flight_delay.operate.served_model import ModelSourceError, load_served_model

    config = config or load_config()
    serve = config.serve
    limit_threads(serve.threads)
    try:
        served = load_served_model(config, settings["stage"], settings["source"],
                                   settings["model"], settings["remote"])  # fmt: skip
    except ModelSourceError as err:
        raise SystemExit(f"serve: {err}") from None
    log = None
    if settings["log"]:
        log = PredictionLog(Path(settings["log"]), served.metadata, serve.log_wait_seconds,
                            max_bytes=int(serve.log_max_mb * 2**20))  # fmt: skip
    hosts = served_hosts(settings["host"], serve.allowed_hosts)
    return create_app(served, serve, log, hosts, read_token(serve))  # main checked it too


def worker_app() -> FastAPI:
    """The app of one of several workers (uvicorn's factory), from main's settings."""
    import json
    import os

    return serving_app(json.loads(os.environ[WORKER_SETTINGS]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(parser)
    parser.add_argument("--host", default=None, help="default: serve.host (127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="default: serve.port")
    parser.add_argument("--log", default=None,
                        help="default: serve.prediction_log; '' for none")  # fmt: skip
    parser.add_argument("--workers", type=int, default=None, help="default: serve.workers")
    args = parser.parse_args(argv)

    from flight_delay.infra.config import load_config

    config = load_config()
    serve = config.serve
    host, port = args.host or serve.host, args.port or serve.port
    workers = args.workers or serve.workers
    token = read_token(serve)
    if host not in LOOPBACK and token is None:
        raise SystemExit(f"serve: refusing to listen on {host}, beyond this machine, without "
                         f"a bearer token: set {serve.token_env} or serve.token_file (and put "
                         "TLS in front)")  # fmt: skip
    settings = {"stage": args.stage, "source": args.source, "model": args.model,
                "remote": args.remote, "host": host,
                "log": serve.prediction_log if args.log is None else args.log}  # fmt: skip
    said = (f"serve: on http://{host}:{port}, {workers} worker(s); prediction log: "
            f"{settings['log'] or 'off'}; token: {'required' if token else 'none'}")  # fmt: skip
    if workers == 1:
        app = serving_app(settings, config)  # loads the model here: a bad one stops us now
        meta = app.state.served.metadata
        print(f"{said}; {meta['artifact']} {meta['version']} ({meta['source']})", flush=True)
        return run(app, host, port)
    serve_workers(settings, host, port, workers, said)


def run(app: Any, host: str, port: int, **options: Any) -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, **options)


def serve_workers(settings: dict[str, Any], host: str, port: int, workers: int,
                  said: str) -> None:  # fmt: skip
    """uvicorn's worker processes, each loading the model (worker_app); their metrics
    meet in a folder of their own, removed when the service stops."""
    import json
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="serve-metrics-") as shared:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared
        os.environ[WORKER_SETTINGS] = json.dumps(settings)
        print(said, flush=True)
        run("flight_delay.operate.serve:worker_app", host, port, factory=True,
            workers=workers)  # fmt: skip


if __name__ == "__main__":
    main()
