"""sqlfluff's stand-in for dbt's `modules` context (`modules.re`, `modules.datetime`)."""

import datetime
import re

__all__ = ["datetime", "re"]
