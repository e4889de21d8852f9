"""A real answer against its declared response model: it validates, and the model names every key."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel


def assert_shape(response: httpx.Response, model: type[BaseModel], status: int = 200) -> Any:
    """The answer's JSON, after checking `model` accepts it and describes all of it.

    Dumping the validated model drops any key the model does not declare, so the dump equals
    the answer only when the model (and each nested model) names every key the route sends.
    """
    request = response.request
    assert response.status_code == status, (request.method, str(request.url), response.text)
    parsed = model.model_validate_json(response.content, strict=True)
    body = response.json()
    dumped = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped == body, (request.method, str(request.url), model.__name__)
    return body
