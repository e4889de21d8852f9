"""What tokens cost: per-million-token prices by model, with a default for unknown models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Price:
    """US dollars per million input and output tokens."""

    input: float
    output: float


# Keys are matched against the lower-cased model name: exact first, then the longest
# key the name contains (so "anthropic/claude-sonnet-4-5" finds "claude-sonnet-4").
PRICES: dict[str, Price] = {
    "claude-opus-4": Price(15.0, 75.0),
    "claude-sonnet-4": Price(3.0, 15.0),
    "claude-3-5-sonnet": Price(3.0, 15.0),
    "claude-3-5-haiku": Price(0.8, 4.0),
    "claude-haiku-4": Price(1.0, 5.0),
    "opus": Price(15.0, 75.0),
    "sonnet": Price(3.0, 15.0),
    "haiku": Price(0.8, 4.0),
    "gpt-4o-mini": Price(0.15, 0.6),
    "gpt-4o": Price(2.5, 10.0),
    "gpt-4.1-mini": Price(0.4, 1.6),
    "gpt-4.1": Price(2.0, 8.0),
    "o3-mini": Price(1.1, 4.4),
    "gemini-2.5-pro": Price(1.25, 10.0),
    "gemini-2.5-flash": Price(0.3, 2.5),
}
DEFAULT_PRICE = Price(3.0, 15.0)


def price_for(
    model: str,
    overrides: Mapping[str, Price] | None = None,
    default: Price = DEFAULT_PRICE,
) -> Price:
    """The price of `model`; `overrides` (e.g. from settings) win over the built-in table."""
    name = model.strip().lower()
    tables = [overrides, PRICES] if overrides else [PRICES]
    for table in tables:
        assert table is not None
        if name in table:
            return table[name]
        matches = [key for key in table if key and key in name]
        if matches:
            return table[max(matches, key=len)]
    return default


def cost_usd(
    model: str,
    input_tokens: int,
    output_tokens: int,
    overrides: Mapping[str, Price] | None = None,
    default: Price = DEFAULT_PRICE,
) -> float:
    """(in × input price + out × output price) / 1e6, rounded to a millionth of a dollar."""
    price = price_for(model, overrides, default)
    return round((input_tokens * price.input + output_tokens * price.output) / 1_000_000, 6)


MAX_PRICE = 1_000_000.0  # dollars per million tokens; anything above is a typo


def _price(key: str, raw: object) -> Price:
    if not isinstance(raw, dict) or set(raw) - {"input", "output"}:
        raise ValueError(f'pricing.overrides.{key}: expected {{"input": n, "output": n}}')
    values = []
    for side in ("input", "output"):
        value = raw.get(side)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"pricing.overrides.{key}.{side}: expected a number")
        if not 0 <= value <= MAX_PRICE:
            raise ValueError(f"pricing.overrides.{key}.{side}: expected 0..{MAX_PRICE:g}")
        values.append(float(value))
    return Price(values[0], values[1])


def parse_overrides(raw: Mapping[str, object]) -> tuple[dict[str, Price], Price]:
    """Per-model overrides and the default price from the `pricing.overrides` setting:
    `{"<model>": {"input": 3, "output": 15}, "default": {...}}`. ValueError when malformed."""
    overrides: dict[str, Price] = {}
    default = DEFAULT_PRICE
    if len(raw) > 500:
        raise ValueError("pricing.overrides: at most 500 models")
    for key, value in raw.items():
        name = key.strip().lower()
        if not name or len(name) > 128:
            raise ValueError("pricing.overrides: model names must be 1..128 characters")
        price = _price(name, value)
        if name == "default":
            default = price
        else:
            overrides[name] = price
    return overrides, default
