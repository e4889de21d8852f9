"""Every operation's success answer is described in the OpenAPI document by a model, and
its errors by the one error model.

A route that answers with a `Response` and declares no model documents `{}` for its JSON;
this guard fails for such a route, so a new route cannot go out undocumented.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import types
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from mission_control.api_errors import ErrorOut
from mission_control.app import create_app
from mission_control.bodies import documented_body, json_object
from mission_control.pagination import CAPS
from mission_control.query import documented_params, hand_param
from mission_control.responses import json_response
from mission_control.settings import Settings
from mission_control.tasks import queue
from mission_control.tasks.schemas import PRIORITIES, STATUSES
from tests.conftest import AppHarness
from tests.shapes import assert_shape

# (method, path, media type) of 2xx answers allowed to go without a schema. None today: an
# answer that is not JSON (a file download, CSV, Server-Sent Events, HTML) documents its
# media type with a string schema instead. Add an entry only with a comment saying why.
EXEMPT: frozenset[tuple[str, str, str]] = frozenset()

# A JSON schema names fields when it has properties or points at (a union of) models.
_DESCRIBING = ("$ref", "properties", "anyOf", "oneOf", "allOf")


def _describes(media_type: str, schema: dict[str, Any]) -> bool:
    if media_type == "application/json":
        return any(key in schema for key in _DESCRIBING)
    return bool(schema.get("type") or schema.get("$ref"))


def undocumented(spec: dict[str, Any]) -> list[str]:
    """`METHOD path status media-type` of every 2xx answer without a describing schema."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if not status.startswith("2") or status == "204":
                    continue
                content = answer.get("content") or {"application/json": {}}
                for media_type, body in content.items():
                    if (method, path, media_type) in EXEMPT:
                        continue
                    if not _describes(media_type, body.get("schema") or {}):
                        found.append(f"{method.upper()} {path} {status} {media_type}")
    return found


def test_every_success_answer_has_a_model(settings: Settings) -> None:
    assert undocumented(create_app(settings, migrate=False).openapi()) == []


def test_the_guard_catches_a_route_without_a_model(settings: Settings) -> None:
    app: FastAPI = create_app(settings, migrate=False)

    @app.get("/api/unmodelled")
    async def unmodelled() -> Response:
        return json_response({"anything": True})

    @app.get("/api/loose", response_model=dict[str, Any])
    async def loose() -> Response:
        return json_response({"anything": True})

    assert undocumented(app.openapi()) == [
        "GET /api/unmodelled 200 application/json",
        "GET /api/loose 200 application/json",
    ]


def _api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside routers FastAPI includes lazily (see web/pages.py)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _api_routes(inner.routes)
        elif isinstance(route, APIRoute):
            yield route


def _reads_body(code: types.CodeType) -> bool:
    """Whether a function (or one nested in it) calls `json_object`, the hand body reader."""
    return "json_object" in code.co_names or any(
        _reads_body(c) for c in code.co_consts if isinstance(c, types.CodeType)
    )


def _qualname(function: Any) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def undocumented_bodies(app: FastAPI) -> list[str]:
    """`METHOD path` of every operation whose handler reads a JSON body by hand but whose
    OpenAPI entry has no request body model."""
    spec = app.openapi()
    found = []
    for route in _api_routes(app.routes):
        if not route.include_in_schema or not _reads_body(route.endpoint.__code__):
            continue
        for method in sorted(route.methods):
            operation = spec["paths"][route.path_format][method.lower()]
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if not _describes("application/json", schema):
                found.append(f"{method} {route.path_format}")
    return found


def test_every_hand_read_body_is_documented(settings: Settings) -> None:
    app = create_app(settings, migrate=False)
    assert undocumented_bodies(app) == []
    # The check above sees only handlers that call json_object themselves: no other function
    # may read a body for them.
    handlers = {_qualname(route.endpoint) for route in _api_routes(app.routes)}
    readers = {
        _qualname(value)
        for name, module in list(sys.modules.items())
        if name.startswith("mission_control.") and name != "mission_control.bodies"
        for value in vars(module).values()
        if inspect.isfunction(value) and value.__module__ == name and _reads_body(value.__code__)
    }
    assert len(readers) > 15
    assert readers - handlers == set()


def test_the_body_guard_catches_an_undocumented_body(settings: Settings) -> None:
    app: FastAPI = create_app(settings, migrate=False)

    @app.delete("/api/hand-read", responses={200: {"model": ErrorOut}})
    async def hand_read(request: Request) -> Response:
        return json_response(await json_object(request))

    @app.delete(
        "/api/hand-read-documented",
        responses={200: {"model": ErrorOut}},
        openapi_extra=documented_body(ErrorOut),
    )
    async def hand_read_documented(request: Request) -> Response:
        return json_response(await json_object(request))

    assert undocumented_bodies(app) == ["DELETE /api/hand-read"]


ERROR_SCHEMA = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}


def test_errors_are_documented_as_the_app_sends_them(settings: Settings) -> None:
    """No 422 (bad input is a 400), and every error answer has the one error model."""
    spec = create_app(settings, migrate=False).openapi()
    assert not {"HTTPValidationError", "ValidationError"} & set(spec["components"]["schemas"])
    wrong = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            responses = operation["responses"]
            if "422" in responses:
                wrong.append(f"{where} lists 422")
            expected = {"4XX", "5XX"}
            if operation.get("parameters") or operation.get("requestBody"):
                expected.add("400")
            for status in expected | {s for s in responses if s[0] in "45"}:
                if responses.get(status, {}).get("content") != ERROR_SCHEMA:
                    wrong.append(f"{where} {status} is not ErrorOut")
    assert wrong == []


async def test_bad_input_gets_the_documented_400(
    harness: AppHarness, admin: httpx.AsyncClient
) -> None:
    doc = (await admin.get("/api/docs")).json()
    not_json = {"content": b"{nope", "headers": {"content-type": "application/json"}}
    cases: list[tuple[str, str, str, dict[str, Any]]] = [
        ("POST", "/api/tasks", "/api/tasks", {"json": {"title": 5, "priority": "meh"}}),
        ("POST", "/api/tasks", "/api/tasks", not_json),
        ("GET", "/api/tasks?limit=abc", "/api/tasks", {}),
        ("GET", "/api/tasks/abc", "/api/tasks/{id}", {}),
        ("GET", "/api/webhooks/deliveries?webhook_id=x", "/api/webhooks/deliveries", {}),
        ("DELETE", "/api/auth/keys", "/api/auth/keys", {"json": {"id": "x"}}),
    ]
    for method, url, path, kwargs in cases:
        body = assert_shape(await admin.request(method, url, **kwargs), ErrorOut, 400)
        assert set(body) <= set(ErrorOut.model_fields), (url, body)
        answers = doc["paths"][path][method.lower()]["responses"]
        assert answers["400"]["content"] == ERROR_SCHEMA, (method, path)
    invalid = await admin.post("/api/tasks", json={"title": 5})
    assert assert_shape(invalid, ErrorOut, 400)["details"] == [
        "title: Input should be a valid string"
    ]
    anonymous = assert_shape(await harness.client.get("/api/tasks"), ErrorOut, 401)
    assert anonymous == {"error": "Authentication required"}


# -- Parameters read by hand ------------------------------------------------------------------


def _is_query_params(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "query_params"


def _is_headers(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "headers"


def _literal(node: ast.AST, names: dict[str, Any]) -> str | None:
    """A string constant, or a module-level name bound to one (e.g. `AGENT_NAME_HEADER`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and isinstance(names.get(node.id), str):
        return str(names[node.id])
    return None


def hand_read(function: Any, seen: set[Any] | None = None) -> set[tuple[str, str]]:
    """`(where, name)` of every query parameter and header that `function` reads by hand,
    following the project functions it calls by name (e.g. `_report_args`).

    A read is `request.query_params.get("NAME")` or `["NAME"]`, also through a local alias
    (`q = request.query_params`), or `request.headers.get(NAME)` with a string or a module
    constant. Any other use of `query_params` (passing it on, iterating it, a computed name)
    is an AssertionError: the guard must see every name, not guess.
    """
    seen = set() if seen is None else seen
    if function in seen:
        return set()
    seen.add(function)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    names = function.__globals__
    aliases = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _is_query_params(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }

    def params(node: ast.AST) -> bool:
        return _is_query_params(node) or (isinstance(node, ast.Name) and node.id in aliases)

    found: set[tuple[str, str]] = set()
    understood: set[int] = set()  # ids of the query-params nodes read with a literal name
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_query_params(node.value):
            understood.add(id(node.value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner, key = node.func.value, node.args[0] if node.args else None
            name = _literal(key, names) if key is not None else None
            if node.func.attr == "get" and name is not None and params(owner):
                found.add(("query", name))
                understood.add(id(owner))
            elif node.func.attr == "get" and name is not None and _is_headers(owner):
                found.add(("header", name.lower()))
        elif isinstance(node, ast.Subscript) and params(node.value):
            name = _literal(node.slice, names)
            if name is not None:
                found.add(("query", name))
                understood.add(id(node.value))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            callee = names.get(node.func.id)
            if inspect.isfunction(callee) and callee.__module__.startswith("mission_control."):
                found |= hand_read(callee, seen)
    unread = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if params(node) and id(node) not in understood and not isinstance(node.ctx, ast.Store)
    ]
    assert unread == [], f"{_qualname(function)} uses {unread} in a way the guard cannot read"
    return found


def _documented_params(operation: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (p["in"], p["name"].lower() if p["in"] == "header" else p["name"])
        for p in operation.get("parameters", [])
    }


def undocumented_params(app: FastAPI) -> list[str]:
    """`METHOD path where name` of every query parameter or header an `/api` handler reads by
    hand that its OpenAPI entry does not list."""
    spec = app.openapi()
    found = []
    for route in _api_routes(app.routes):
        if not route.include_in_schema or not route.path_format.startswith("/api"):
            continue
        read = hand_read(route.endpoint)
        for method in sorted(route.methods):
            operation = spec["paths"][route.path_format][method.lower()]
            for where, name in sorted(read - _documented_params(operation)):
                found.append(f"{method} {route.path_format} {where} {name}")
    return found


def _names_query_params(code: types.CodeType) -> bool:
    """Whether a function (or one nested in it) names the attribute `query_params`."""
    return "query_params" in code.co_names or any(
        _names_query_params(c) for c in code.co_consts if isinstance(c, types.CodeType)
    )


def _functions_reading_query_params() -> set[str]:
    """Every function in `mission_control` outside `web/` whose code names `query_params`."""
    found = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("mission_control.") or name.startswith("mission_control.web"):
            continue
        for value in vars(module).values():
            if (
                inspect.isfunction(value)
                and value.__module__ == name
                and _names_query_params(value.__code__)
            ):
                found.add(_qualname(value))
    return found


def test_every_hand_read_parameter_is_documented(settings: Settings) -> None:
    """The guard reads each `/api` handler's source (and the project functions it calls)
    rather than keeping a checked list, so a new hand-read parameter cannot go out
    undocumented. `hand_read` refuses any use of `query_params` it cannot name, and the
    second check makes sure no function reads the query string out of the guard's sight."""
    app = create_app(settings, migrate=False)
    assert undocumented_params(app) == []
    reached: set[str] = set()
    for route in _api_routes(app.routes):
        seen: set[Any] = set()
        hand_read(route.endpoint, seen)
        reached |= {_qualname(f) for f in seen}
    readers = _functions_reading_query_params()
    assert len(readers) > 10
    assert readers - reached == set()


def test_the_parameter_guard_catches_an_undocumented_parameter(settings: Settings) -> None:
    app: FastAPI = create_app(settings, migrate=False)

    @app.get("/api/hand-query", responses={200: {"model": ErrorOut}})
    async def hand_query(request: Request) -> Response:
        q = request.query_params
        return json_response({"a": q.get("a"), "b": q["b"], "h": request.headers.get("x-h")})

    @app.get(
        "/api/hand-query-documented",
        responses={200: {"model": ErrorOut}},
        openapi_extra=documented_params(
            hand_param("a", "A"), hand_param("X-H", "H", where="header")
        ),
    )
    async def hand_query_documented(request: Request) -> Response:
        return json_response({"a": request.query_params.get("a"), "h": request.headers.get("x-h")})

    assert undocumented_params(app) == [
        "GET /api/hand-query header x-h",
        "GET /api/hand-query query a",
        "GET /api/hand-query query b",
    ]


def test_the_parameter_guard_refuses_what_it_cannot_read() -> None:
    async def opaque(request: Request) -> dict[str, str]:
        return dict(request.query_params)

    with pytest.raises(AssertionError, match="cannot read"):
        hand_read(opaque)


def _parameter(spec: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    (param,) = [p for p in spec["paths"][path][method]["parameters"] if p["name"] == name]
    return param


def test_documented_values_are_the_handlers_own(settings: Settings) -> None:
    spec = create_app(settings, migrate=False).openapi()
    status = _parameter(spec, "/api/tasks", "get", "status")
    assert status["schema"]["enum"] == list(STATUSES)
    assert status["in"] == "query" and status["required"] is False
    priority = _parameter(spec, "/api/tasks", "get", "priority")
    assert priority["schema"]["enum"] == list(PRIORITIES)
    limit = _parameter(spec, "/api/tasks", "get", "limit")["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, CAPS["tasks"], 50)
    capacity = _parameter(spec, "/api/tasks/queue", "get", "max_capacity")["schema"]
    assert capacity["maximum"] == queue.MAX_CAPACITY
