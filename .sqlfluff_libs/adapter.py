"""sqlfluff's stand-in for dbt's `adapter` when linting with the jinja templater.

`adapter.dispatch('try_cast')(x, 'int')` renders as the call `try_cast()`: enough for
the linter to see an expression where the engine-specific macro goes (the macros themselves are
tested by dbt, on DuckDB and Spark).
"""

from collections.abc import Callable

#: dispatched macros that render SQL keywords, not an expression: what DuckDB's renders
KEYWORDS = {"inline_cte": "not materialized", "stored_cte": "materialized"}


def dispatch(macro_name: str, macro_namespace: str | None = None) -> Callable[..., str]:
    def render(*args: object, **kwargs: object) -> str:
        return KEYWORDS.get(macro_name, f"{macro_name}()")

    return render


def quote(identifier: str) -> str:
    return f'"{identifier}"'
