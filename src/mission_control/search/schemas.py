"""Response models of the search API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

ResultType = Literal["task", "agent", "activity", "audit"]
RESULT_TYPES: tuple[ResultType, ...] = ("task", "agent", "activity", "audit")


class SearchResult(BaseModel):
    type: ResultType
    id: int
    title: str
    subtitle: str | None
    created_at: int
    relevance: int


class SearchOut(BaseModel):
    query: str
    count: int
    results: list[SearchResult]
