"""Keep, of a hash-pinned lock file, only the packages another lock file does not pin.

    python scripts/filter_lock.py FULL.lock BASE.lock HEADER.txt > OUT.lock

`make lock` resolves requirements/spark.in against requirements.lock, then keeps what the Spark
engine adds (dbt-spark, pyspark, py4j, sqlparams): that is what goes into .venv/spark.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)


def blocks(text: str) -> list[str]:
    """One block per requirement: its ``name==version`` line with its hash and comment lines."""
    return [b for b in re.split(r"\n(?=[A-Za-z0-9])", text) if PIN.match(b)]


def main(full: str, base: str, header: str) -> None:
    pinned = {m.group(1).lower() for m in PIN.finditer(Path(base).read_text())}
    kept = [
        b.rstrip("\n") for b in blocks(Path(full).read_text()) if PIN.match(b).group(1).lower() not in pinned
    ]  # type: ignore[union-attr]
    sys.stdout.write(Path(header).read_text() + "\n".join(kept) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
