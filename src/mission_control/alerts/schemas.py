"""Request and response bodies of /api/alerts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

EntityType = Literal["agent", "task", "session", "activity", "security"]
Operator = Literal[
    "equals",
    "not_equals",
    "greater_than",
    "less_than",
    "contains",
    "count_above",
    "count_below",
    "age_minutes_above",
]
ActionType = Literal["notification", "webhook"]


class AlertRuleCreate(BaseModel):
    """A new rule; `enabled` takes booleans and 0/1, `action_type` defaults to notification."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    enabled: bool = True
    entity_type: EntityType
    condition_field: str = Field(min_length=1, max_length=64)
    condition_operator: Operator
    condition_value: StrictStr | StrictInt | StrictFloat
    action_type: ActionType = "notification"
    action_config: dict[str, Any] | None = None
    cooldown_minutes: int = Field(60, ge=1, le=10080)


class AlertRuleUpdate(BaseModel):
    """`{id, …}`: only the fields sent change; the whole rule is checked again."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    id: int
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    enabled: bool | None = None
    entity_type: EntityType | None = None
    condition_field: str | None = Field(None, min_length=1, max_length=64)
    condition_operator: Operator | None = None
    condition_value: StrictStr | StrictInt | StrictFloat | None = None
    action_type: ActionType | None = None
    action_config: dict[str, Any] | None = None
    cooldown_minutes: int | None = Field(None, ge=1, le=10080)


class AlertRuleRef(BaseModel):
    id: int


class EvaluateRequest(BaseModel):
    """`{action: "evaluate", id?}`: evaluate every enabled rule now (or only rule `id`)."""

    action: Literal["evaluate"]
    id: int | None = None


class AlertRuleOut(BaseModel):
    id: int
    name: str
    description: str | None
    enabled: bool
    entity_type: str
    condition_field: str
    condition_operator: str
    condition_value: str
    action_type: str
    action_config: dict[str, Any]
    cooldown_minutes: int
    last_triggered_at: int | None
    trigger_count: int
    created_by: str | None
    workspace_id: int
    created_at: int
    updated_at: int


class AlertRuleList(BaseModel):
    rules: list[AlertRuleOut]


class AlertRuleEnvelope(BaseModel):
    rule: AlertRuleOut


class EvaluationResult(BaseModel):
    rule_id: int
    rule_name: str
    triggered: bool
    reason: str


class EvaluationOut(BaseModel):
    evaluated: int
    triggered: int
    results: list[EvaluationResult]


class DeletedOut(BaseModel):
    deleted: bool
