"""The usage ledger as a rich table, for the CLI and reports."""

from __future__ import annotations

from rich.table import Table

from paretoprompt.lm.usage import Usage, UsageLedger

_COLUMNS = (
    "role",
    "calls",
    "cache hits",
    "hit rate",
    "failures",
    "retries",
    "tokens in",
    "tokens out",
    "USD",
    "LM s",
)


def usage_row(role: str, u: Usage) -> tuple[str, ...]:
    """One table row as strings (also handy for plain-text output)."""
    return (
        role,
        str(u.calls),
        str(u.cache_hits),
        f"{u.cache_hit_rate:.0%}",
        str(u.failures),
        str(u.retries),
        str(u.prompt_tokens),
        str(u.completion_tokens),
        f"{u.cost_usd:.4f}",
        f"{u.lm_seconds:.2f}",
    )


def format_usage_table(ledger: UsageLedger, *, title: str = "LM usage") -> Table:
    """One row per role (sorted) plus a total row."""
    table = Table(title=title)
    for i, name in enumerate(_COLUMNS):
        table.add_column(name, justify="left" if i == 0 else "right")
    for role, usage in sorted(ledger.by_role().items()):
        table.add_row(*usage_row(role, usage))
    table.add_section()
    table.add_row(*usage_row("total", ledger.total()), style="bold")
    return table
