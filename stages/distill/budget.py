"""A teacher client's token/cost budget: what the sent requests used, and whether to stop sending."""

from __future__ import annotations

from schemas.teacher import TeacherConfig
from stages.distill.types import ClientStats, TeacherResponse


def budget_reached(cfg: TeacherConfig, stats: ClientStats) -> bool:
    """True once the sent requests used `max_total_tokens` or `max_cost_usd`."""
    if cfg.max_total_tokens is not None and stats.total_tokens >= cfg.max_total_tokens:
        return True
    return cfg.max_cost_usd is not None and stats.cost_usd >= cfg.max_cost_usd


def count_sent(stats: ClientStats, response: TeacherResponse) -> None:
    """Add a sent request's response to the stats (the budget check reads them)."""
    stats.sent += 1
    stats.prompt_tokens += response.prompt_tokens
    stats.completion_tokens += response.completion_tokens
    stats.reasoning_tokens += response.reasoning_tokens
    stats.cached_prompt_tokens += response.cached_prompt_tokens
    stats.cost_usd += response.cost_usd
    if response.error is not None:
        stats.failed += 1
    elif response.finish_reason == "length":
        stats.truncated += 1
