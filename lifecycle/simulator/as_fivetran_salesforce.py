"""The simulated CRM in Fivetran's Salesforce shape: contract rows -> connector rows.

Used by ``lifecycle simulate --layout fivetran_salesforce`` (:mod:`.layouts`), batch by batch; values
stay the contract's text. Where Salesforce holds a value in another shape, the row is re-expressed
the way a Salesforce org does:

- the account's CSM, billing customer and workspace are custom fields (their default names);
- a user's role is a ``user_role`` record (``Customer Success Manager``);
- picklists carry labels: ``New Business``, stage ``Closed Won`` with ``is_closed``/``is_won``,
  case priority ``Medium`` for normal, status ``Working`` for open and ``On Hold`` for pending;
- calls and emails are ``task`` records, meetings, QBRs, onboarding sessions and trainings
  ``event`` records;
- NPS responses are a custom object, ``nps_response_c``.

Nothing here depends on what a metric comes out as.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lifecycle.connectors.fivetran_salesforce import OPTIONS

Row = dict[str, str | None]

PRIMARY_TABLE = {
    "accounts": "account",
    "contacts": "contact",
    "users": "user",
    "opportunities": "opportunity",
    "cases": "case",
    "activities": "task",
    "nps_responses": "nps_response_c",
}
#: activity types Salesforce records as tasks; the others are events
TASK_TYPES = ("call", "email")
_CASE_PRIORITY = {"normal": "Medium"}
_CASE_STATUS = {"open": "Working", "pending": "On Hold"}
_ACRONYMS = {"qbr": "QBR"}
_FIELDS = {env: default for env, default, _ in OPTIONS}


@dataclass
class State:
    """Nothing is carried from batch to batch for Salesforce."""


def label(value: str | None) -> str | None:
    """A contract value as a picklist label: ``new_business`` -> ``New Business``."""
    if value is None:
        return None
    return " ".join(_ACRONYMS.get(w, w.capitalize()) for w in value.split("_"))


def _date_part(text: str | None) -> str | None:
    return text[:10] if text and len(text) >= 10 and text[4] == "-" and text[7] == "-" else None


def convert(table: str, rows: Iterable[Row], state: State) -> dict[str, list[Row]]:
    """The connector rows of one contract batch of crm ``table`` (rows in file order)."""
    out: dict[str, list[Row]] = {}

    def add(name: str, row: Row) -> None:
        out.setdefault(name, []).append(row)

    for r in rows:
        synced = r.get("_loaded_at")
        if table == "accounts":
            add(
                "account",
                {
                    "id": r["id"],
                    "name": r["name"],
                    "industry": r["industry"],
                    "billing_country": r["billing_country"],
                    "number_of_employees": r["employee_count"],
                    "owner_id": r["owner_user_id"],
                    _FIELDS["LIFECYCLE_SALESFORCE_CSM_FIELD"]: r["csm_user_id"],
                    _FIELDS["LIFECYCLE_SALESFORCE_STRIPE_CUSTOMER_FIELD"]: r["billing_customer_id"],
                    _FIELDS["LIFECYCLE_SALESFORCE_WORKSPACE_FIELD"]: r["workspace_id"],
                    "created_date": r["created_at"],
                    "last_modified_date": r["updated_at"],
                    "is_deleted": r["is_deleted"],
                    "_fivetran_synced": synced,
                },
            )
        elif table == "contacts":
            add(
                "contact",
                {
                    **{k: r[k] for k in ("id", "account_id", "email", "first_name", "last_name", "title")},
                    "persona_c": r["persona"],
                    "left_company_date_c": r["left_company_at"],
                    "created_date": r["created_at"],
                    "last_modified_date": r["updated_at"],
                    "is_deleted": r["is_deleted"],
                    "_fivetran_synced": synced,
                },
            )
        elif table == "users":
            role_id = f"role_{r['role']}" if r["role"] is not None else None
            if role_id is not None:
                add("user_role", {"id": role_id, "name": label(r["role"]), "_fivetran_synced": synced})
            add(
                "user",
                {
                    "id": r["id"],
                    "name": r["full_name"],
                    "email": r["email"],
                    "is_active": r["is_active"],
                    "user_role_id": role_id,
                    "_fivetran_synced": synced,
                },
            )
        elif table == "opportunities":
            stage = r["stage"]
            closed, won = stage in ("closed_won", "closed_lost"), stage == "closed_won"
            add(
                "opportunity",
                {
                    "id": r["id"],
                    "account_id": r["account_id"],
                    "owner_id": r["owner_user_id"],
                    "type": label(r["type"]),
                    "stage_name": label(stage),
                    "is_closed": "true" if closed else "false",
                    "is_won": "true" if won else "false",
                    "amount": r["amount"],
                    "currency_iso_code": r["currency"],
                    "close_date": r["close_date"],
                    "created_date": r["created_at"],
                    "last_modified_date": r["updated_at"],
                    "is_deleted": r["is_deleted"],
                    "_fivetran_synced": synced,
                },
            )
        elif table == "cases":
            priority, status = r["priority"], r["status"]
            add(
                "case",
                {
                    "id": r["id"],
                    "account_id": r["account_id"],
                    "contact_id": r["contact_id"],
                    "priority": _CASE_PRIORITY.get(priority or "", label(priority)),
                    "status": _CASE_STATUS.get(status or "", label(status)),
                    "subject": r["subject"],
                    "closed_date": r["solved_at"],
                    "csat_c": r["csat"],
                    "created_date": r["created_at"],
                    "is_deleted": "false",
                    "_fivetran_synced": synced,
                },
            )
        elif table == "activities":
            common = {
                "id": r["id"],
                "account_id": r["account_id"],
                "owner_id": r["user_id"],
                "who_id": r["contact_id"],
                "type": label(r["type"]),
                "created_date": r["occurred_at"],
                "is_deleted": "false",
                "_fivetran_synced": synced,
            }
            if r["type"] in TASK_TYPES:
                add(
                    "task",
                    {
                        **common,
                        "task_subtype": label(r["type"]),
                        "activity_date": _date_part(r["occurred_at"]),
                        "completed_date_time": r["occurred_at"],
                    },
                )
            else:
                add("event", {**common, "start_date_time": r["occurred_at"]})
        elif table == "nps_responses":
            add(
                "nps_response_c",
                {
                    "id": r["id"],
                    "account_c": r["account_id"],
                    "contact_c": r["contact_id"],
                    "score_c": r["score"],
                    "comment_c": r["comment"],
                    "responded_at_c": r["responded_at"],
                    "_fivetran_synced": synced,
                },
            )
        else:
            raise ValueError(f"crm table {table!r} has no Fivetran Salesforce form")
    return out
