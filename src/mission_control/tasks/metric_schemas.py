"""Response models of /api/tasks/outcomes and /api/tasks/regression."""

from __future__ import annotations

from pydantic import BaseModel


class OutcomeCounts(BaseModel):
    success: int
    failed: int
    partial: int
    abandoned: int
    unknown: int


class OutcomeGroup(OutcomeCounts):
    total: int
    success_rate: float


class OutcomeSummary(BaseModel):
    total_done: int
    with_outcome: int
    by_outcome: OutcomeCounts
    avg_retry_count: float
    avg_time_to_resolution_seconds: int | None
    success_rate: float


class CommonError(BaseModel):
    error_message: str
    count: int


class OutcomesOut(BaseModel):
    timeframe: str
    summary: OutcomeSummary
    by_agent: dict[str, OutcomeGroup]
    by_priority: dict[str, OutcomeGroup]
    common_errors: list[CommonError]
    record_count: int


class Latency(BaseModel):
    p50: float | None
    p95: float | None
    avg: float | None


class Interventions(BaseModel):
    count: int
    rate: float | None


class RegressionWindow(BaseModel):
    label: str
    start: int
    end: int
    sample_size: int
    latency_seconds: Latency
    interventions: Interventions


class RegressionParams(BaseModel):
    beta_start: int
    lookback_seconds: int


class RegressionWindows(BaseModel):
    baseline: RegressionWindow
    post: RegressionWindow


class RegressionDeltas(BaseModel):
    p95_latency_seconds: float | None
    intervention_rate: float | None


class RegressionOut(BaseModel):
    metric_definitions: dict[str, str]
    params: RegressionParams
    windows: RegressionWindows
    deltas: RegressionDeltas
