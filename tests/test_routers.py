"""The router order is free to change only because no two routers answer the same request."""

from __future__ import annotations

import re

from starlette.routing import Route

from mission_control.routers import ROUTERS


def _sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "123", path)


def test_no_two_routers_share_a_path_and_method() -> None:
    routes = [
        (index, route)
        for index, router in enumerate(ROUTERS)
        for route in router.routes
        if isinstance(route, Route)
    ]
    assert len(routes) > 100
    clashes = []
    for index, route in routes:
        for other_index, other in routes:
            if other_index <= index:
                continue
            same_path = other.path_regex.match(_sample(route.path)) or route.path_regex.match(
                _sample(other.path)
            )
            if same_path and (route.methods or set()) & (other.methods or set()):
                clashes.append(f"{sorted(route.methods or ())} {route.path} ~ {other.path}")
    assert clashes == []
