"""sqlfluff's stand-in for dbt's `exceptions` context: a compile error renders as nothing."""


def raise_compiler_error(message: str) -> str:
    return ""


def warn(message: str) -> str:
    return ""
