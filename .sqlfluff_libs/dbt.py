"""sqlfluff's stand-in for dbt's cross-database macros (`dbt.dateadd(...)` and the like).

Each renders as a plain function call without arguments (they may be SQL or quoted text), so the linter sees an expression.
"""

from collections.abc import Callable


def __getattr__(macro_name: str) -> Callable[..., str]:
    if macro_name.startswith("__"):
        raise AttributeError(macro_name)

    def render(*args: object, **kwargs: object) -> str:
        if macro_name.startswith("type_"):
            return macro_name.removeprefix("type_")
        return f"{macro_name}()"

    return render
