"""A portability lint for the dbt SQL: every model runs unchanged on DuckDB and on Apache Spark.

It scans the ``*.sql`` files of ``models/``, of ``tests/dbt/`` (the singular dbt tests) and of
``macros/``, and fails on a construct only one of the two engines knows (``::`` casts, QUALIFY,
GROUP BY ALL, DuckDB-only functions, ...), each with the portable alternative to use instead.

Engine-specific SQL belongs in the dispatched macros of ``macros/cross_db/`` (each defines
``default__x`` / ``duckdb__x`` / ``spark__x``): that folder is the one exception, never scanned.

Before matching, a file loses what is not SQL the engine sees as code: Jinja comments, Jinja
expressions and statements (``{{ try_cast(...) }}`` is a macro call, not the raw function), SQL
comments and single-quoted string literals. Removed text is blanked, not deleted, so that the
line numbers stay those of the file. Matching ignores case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED_DIRS = ("models", "tests/dbt", "macros")
EXEMPT_DIR = ROOT / "macros" / "cross_db"

JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
# one pass, so that whichever starts first wins: `-- don't` is a comment, `'--'` a string
SQL_COMMENT_OR_STRING = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", re.DOTALL)
BLANKS = re.compile(r"[^\S\n]+")


class Rule(NamedTuple):
    construct: str
    pattern: re.Pattern[str]
    reason: str


def _rule(construct: str, pattern: str, reason: str) -> Rule:
    return Rule(construct, re.compile(pattern, re.IGNORECASE), reason)


RULES: tuple[Rule, ...] = (
    _rule("::", r"::", "use cast(x as t) or the try_cast macro"),
    _rule("qualify", r"\bqualify\b", "filter a window function in an outer query"),
    _rule("group by all", r"\bgroup\s+by\s+all\b", "list the group by columns"),
    _rule("order by all", r"\border\s+by\s+all\b", "list the order by columns"),
    _rule("exclude", r"\*\s*exclude\b|\bexclude\s*\(", "list the selected columns"),
    _rule("* replace", r"\*\s*replace\s*\(", "list the selected columns"),
    _rule("generate_series", r"\bgenerate_series\s*\(", "use the date_spine macro"),
    _rule("range", r"\brange\s*\(", "use the date_spine macro"),
    _rule("list_*", r"\blist_\w+\s*\(", "DuckDB list functions: use array functions or a cross_db macro"),
    _rule("struct_pack", r"\bstruct_pack\s*\(", "use named_struct via a cross_db macro"),
    _rule("strftime", r"\bstrftime\s*\(", "Spark has date_format: use a cross_db macro"),
    _rule("strptime", r"\bstrptime\s*\(", "use the parse_timestamp macro"),
    _rule("epoch_ms", r"\bepoch_(?:ms|us|ns)\s*\(", "use dbt.datediff or a cross_db macro"),
    _rule("epoch", r"\bepoch\s*\(", "use dbt.datediff or a cross_db macro"),
    _rule("date_diff", r"\bdate_diff\s*\(", "argument orders differ: use dbt.datediff"),
    _rule("datediff", r"\bdatediff\s*\(", "argument orders differ: use dbt.datediff"),
    _rule("regexp_full_match", r"\bregexp_full_match\s*\(", "use the regex_matches macro"),
    _rule("regexp_matches", r"\bregexp_matches\s*\(", "use the regex_matches macro"),
    _rule("json_extract", r"\bjson_extract(?:_string)?\s*\(", "use the json_extract_string macro"),
    _rule("hugeint", r"\bhugeint\b", "use decimal(38, 0)"),
    _rule("ilike", r"\bilike\b", "use lower(x) like lower(pattern)"),
    _rule("current_localtimestamp", r"\bcurrent_localtimestamp\b", "use current_timestamp"),
    _rule("today()", r"\btoday\s*\(", "use current_date"),
    _rule("arg_max", r"\barg_max\s*\(", "use max_by (both engines)"),
    _rule("arg_min", r"\barg_min\s*\(", "use min_by (both engines)"),
    _rule("string_agg", r"\bstring_agg\s*\(", "Spark < 4 lacks it: use a cross_db macro"),
    _rule("bit_count", r"\bbit_count\s*\(", "use the bit_count_of macro"),
    _rule("unnest", r"\bunnest\s*\(", "Spark calls it explode: use a cross_db macro"),
    _rule("try_cast", r"\btry_cast\s*\(", "the engines differ on failures: use the try_cast macro"),
    _rule("median", r"\bmedian\s*\(", "use the median_of macro"),
    _rule("make_date", r"\bmake_date\s*\(", "use cast of a date string or a cross_db macro"),
    _rule("varchar", r"\bvarchar\b", "Spark needs a length: use dbt.type_string() or string"),
)


class Violation(NamedTuple):
    line: int
    construct: str
    reason: str


def _blank(match: re.Match[str]) -> str:
    """The matched text as spaces, its newlines kept (so line numbers do not move)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def strip_non_sql(text: str) -> str:
    """The SQL code of a dbt file: Jinja, comments and string literals blanked, then each run of
    blanks squeezed to one space (three times faster matching; newlines stay)."""
    text = JINJA_COMMENT.sub(_blank, text)
    text = JINJA_TAG.sub(_blank, text)
    text = SQL_COMMENT_OR_STRING.sub(_blank, text)
    return BLANKS.sub(" ", text)


def find_violations(text: str) -> list[Violation]:
    """The non-portable constructs of a dbt SQL file, in line order."""
    code = strip_non_sql(text)
    found = [
        Violation(code.count("\n", 0, match.start()) + 1, rule.construct, rule.reason)
        for rule in RULES
        for match in rule.pattern.finditer(code)
    ]
    return sorted(found)


def scanned_files() -> Iterator[Path]:
    for directory in SCANNED_DIRS:
        for path in sorted((ROOT / directory).rglob("*.sql")):
            if not path.is_relative_to(EXEMPT_DIR):
                yield path


def test_models_use_only_portable_sql() -> None:
    files = list(scanned_files())
    assert any(path.is_relative_to(ROOT / "models") for path in files), "no model found to scan"
    violations = [
        f"{path.relative_to(ROOT)}:{violation.line}: {violation.construct} ({violation.reason})"
        for path in files
        for violation in find_violations(path.read_text(encoding="utf-8"))
    ]
    assert not violations, (
        "SQL that does not run on both DuckDB and Spark (move engine-specific SQL into a "
        "dispatched macro in macros/cross_db/):\n" + "\n".join(violations)
    )


CAUGHT: dict[str, str] = {
    "::": "select amount::decimal(18, 2) from t",
    "qualify": "select * from t qualify row_number() over (partition by id order by ts) = 1",
    "group by all": "select id, count(*) from t GROUP  BY\n ALL",
    "order by all": "select id from t order by all",
    "exclude": "select * exclude (secret) from t",
    "* replace": "select * replace (lower(name) as name) from t",
    "generate_series": "select * from generate_series(1, 10)",
    "range": "select * from range(0, 10)",
    "list_*": "select list_agg(x) from t",
    "struct_pack": "select struct_pack(a := 1) from t",
    "strftime": "select strftime(ts, '%Y') from t",
    "strptime": "select strptime(s, '%Y-%m-%d') from t",
    "epoch_ms": "select epoch_ms(1700000000000)",
    "epoch": "select epoch(ts) from t",
    "date_diff": "select date_diff('day', a, b) from t",
    "datediff": "select datediff(b, a) from t",
    "regexp_full_match": "select regexp_full_match(s, '[0-9]+') from t",
    "regexp_matches": "select regexp_matches(s, '[0-9]+') from t",
    "json_extract": "select json_extract_string(payload, '$.id') from t",
    "hugeint": "select cast(x as hugeint) from t",
    "ilike": "select * from t where name ilike 'a%'",
    "current_localtimestamp": "select current_localtimestamp",
    "today()": "select today()",
    "arg_max": "select arg_max(plan, ts) from t",
    "arg_min": "select arg_min(plan, ts) from t",
    "string_agg": "select string_agg(name, ', ') from t",
    "bit_count": "select bit_count(mask) from t",
    "unnest": "select unnest(items) from t",
    "try_cast": "select try_cast(s as integer) from t",
    "median": "select median(amount) from t",
    "make_date": "select make_date(2026, 1, 1)",
    "varchar": "select cast(id as VARCHAR) from {{ ref('stg_x') }}",
}

IGNORED: tuple[str, ...] = (
    "select 1 -- qualify, group by all, x::int",
    "select 'a::b', 'it''s a qualify' as s",
    "select {{ try_cast('x', 'int') }}, {{ json_extract_string('payload', '$.id') }}",
    "{# group by all #} select 1 {#- x::int\n qualify -#}",
    "{% for i in range(3) %} select {{ i }} {% endfor %}",
    "select /* qualify */ 1",
    "select date_sub(d, 1), max_by(plan, ts), nullif(a, 0), cast(x as string) from t",
    "select sum(x) over (order by d range between unbounded preceding and current row) from t",
)


def test_every_construct_has_a_snippet() -> None:
    assert sorted(CAUGHT) == sorted(rule.construct for rule in RULES)


@pytest.mark.parametrize(("construct", "sql"), CAUGHT.items(), ids=list(CAUGHT))
def test_the_lint_catches_each_construct(construct: str, sql: str) -> None:
    assert construct in {violation.construct for violation in find_violations(sql)}


@pytest.mark.parametrize("sql", IGNORED)
def test_the_lint_ignores_comments_strings_and_jinja(sql: str) -> None:
    assert find_violations(sql) == []


def test_a_violation_names_its_line() -> None:
    sql = "select 1 -- don't\nfrom t\nqualify rank() over (order by x) = 1 -- 'x::int'"
    assert find_violations(sql) == [Violation(3, "qualify", "filter a window function in an outer query")]
