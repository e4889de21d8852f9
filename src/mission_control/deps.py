"""Common route dependencies: the runtime and the request's origin."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mission_control.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
