"""Salesforce as Fivetran lands it: the tables and columns the ``fivetran_salesforce`` adapter reads.

Fivetran writes Salesforce's API names in snake case (``BillingCountry`` -> ``billing_country``,
a custom field ``Stripe_Customer_ID__c`` -> ``stripe_customer_id_c``). Three custom fields on the
account carry what Salesforce has no standard field for; their names are options
(``LIFECYCLE_SALESFORCE_*_FIELD``), read by the loader (the column it lands) and by dbt (the
column the adapter maps). Only the columns the adapter reads are listed; others are ignored.
Mapping and what Salesforce cannot provide: docs/connectors/fivetran_salesforce.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from lifecycle.contract import Column, Table, col

from . import fivetran

LAYOUT = "fivetran_salesforce"

#: (environment variable, default field name, what it carries)
OPTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "LIFECYCLE_SALESFORCE_STRIPE_CUSTOMER_FIELD",
        "stripe_customer_id_c",
        "the account's billing customer id (`cus_...`): links the CRM to billing",
    ),
    (
        "LIFECYCLE_SALESFORCE_CSM_FIELD",
        "customer_success_manager_c",
        "the account's customer success manager (a Salesforce user id)",
    ),
    (
        "LIFECYCLE_SALESFORCE_WORKSPACE_FIELD",
        "workspace_id_c",
        "the account's product workspace id: links the CRM to usage",
    ),
)

_DELETED = col("is_deleted", "bool", "Salesforce's recycle-bin flag.", null=True)
_CREATED = col("created_date", "timestamp", "When the record was created.")
_MODIFIED = col("last_modified_date", "timestamp", "When the record was last changed.", null=True)


def _table(name: str, columns: tuple[Column, ...], description: str) -> Table:
    return fivetran.table(LAYOUT, name, columns, ("id",), description)


def tables(options: Mapping[str, str]) -> tuple[Table, ...]:
    """The tables with the custom fields named by ``options`` (by variable; defaults otherwise)."""
    field = {env: options.get(env) or default for env, default, _ in OPTIONS}
    return (
        _table(
            "account",
            (
                col("id", "string", "Account id."),
                col("name", "string", "Account name."),
                col("industry", "string", "Industry picklist.", null=True),
                col("billing_country", "string", "Billing country.", null=True),
                col("number_of_employees", "int", "Employees.", null=True),
                col("owner_id", "string", "The account owner (a user id)."),
                col(field[OPTIONS[1][0]], "string", f"Custom field: {OPTIONS[1][2]}.", null=True),
                col(field[OPTIONS[0][0]], "string", f"Custom field: {OPTIONS[0][2]}.", null=True),
                col(field[OPTIONS[2][0]], "string", f"Custom field: {OPTIONS[2][2]}.", null=True),
                _CREATED,
                _MODIFIED,
                _DELETED,
            ),
            "One row per sync of an account.",
        ),
        _table(
            "contact",
            (
                col("id", "string", "Contact id."),
                col("account_id", "string", "The contact's account.", null=True),
                col("email", "string", "Email.", null=True, pii=True),
                col("first_name", "string", "First name.", null=True, pii=True),
                col("last_name", "string", "Last name.", null=True, pii=True),
                col("title", "string", "Job title.", null=True),
                col("persona_c", "string", "Custom field: the buying role.", null=True),
                col("left_company_date_c", "timestamp", "Custom field: when the person left.", null=True),
                _CREATED,
                _MODIFIED,
                _DELETED,
            ),
            "One row per sync of a contact.",
        ),
        _table(
            "user",
            (
                col("id", "string", "User id."),
                col("name", "string", "Full name."),
                col("email", "string", "Email.", null=True, pii=True),
                col("is_active", "bool", "Whether the user can log in.", null=True),
                col("user_role_id", "string", "The user's role.", null=True),
            ),
            "One row per sync of a Salesforce user (the vendor's staff).",
        ),
        _table(
            "user_role",
            (col("id", "string", "Role id."), col("name", "string", "Role name, e.g. `Account Executive`.")),
            "One row per sync of a role.",
        ),
        _table(
            "opportunity",
            (
                col("id", "string", "Opportunity id."),
                col("account_id", "string", "The account.", null=True),
                col("owner_id", "string", "The opportunity owner."),
                col("type", "string", "Type picklist, e.g. `New Business`.", null=True),
                col("stage_name", "string", "Stage picklist, e.g. `Closed Won`."),
                col("is_closed", "bool", "Whether the stage is a closed one.", null=True),
                col("is_won", "bool", "Whether the stage is a won one.", null=True),
                col("amount", "decimal", "Amount in the opportunity's currency.", null=True),
                col("currency_iso_code", "string", "Currency (multi-currency orgs).", null=True),
                col("close_date", "date", "Expected or actual close date.", null=True),
                _CREATED,
                _MODIFIED,
                _DELETED,
            ),
            "One row per sync of an opportunity.",
        ),
        _table(
            "case",
            (
                col("id", "string", "Case id."),
                col("account_id", "string", "The account.", null=True),
                col("contact_id", "string", "The contact who raised it.", null=True),
                col("priority", "string", "Priority picklist (`Low`, `Medium`, `High`, ...).", null=True),
                col(
                    "status",
                    "string",
                    "Status picklist (`New`, `Working`, `Escalated`, `Closed`, ...).",
                    null=True,
                ),
                col("subject", "string", "Subject.", null=True),
                col("closed_date", "timestamp", "When the case was closed.", null=True),
                col("csat_c", "int", "Custom field: the satisfaction score (1-5).", null=True),
                _CREATED,
                _DELETED,
            ),
            "One row per sync of a case.",
        ),
        _table(
            "task",
            (
                col("id", "string", "Task id."),
                col("account_id", "string", "The account the task is about.", null=True),
                col("owner_id", "string", "The user who did it."),
                col("who_id", "string", "The contact (or lead) it was with.", null=True),
                col("type", "string", "Type picklist (`Call`, `Email`, ...).", null=True),
                col("task_subtype", "string", "`Call`, `Email`, `Task`, ...", null=True),
                col("activity_date", "date", "Due or done date.", null=True),
                col("completed_date_time", "timestamp", "When it was completed.", null=True),
                _CREATED,
                _DELETED,
            ),
            "One row per sync of a task (calls, emails).",
        ),
        _table(
            "event",
            (
                col("id", "string", "Event id."),
                col("account_id", "string", "The account the event is about.", null=True),
                col("owner_id", "string", "The user who held it."),
                col("who_id", "string", "The contact it was with.", null=True),
                col("type", "string", "Type picklist (`Meeting`, `QBR`, ...).", null=True),
                col("start_date_time", "timestamp", "When it started."),
                _CREATED,
                _DELETED,
            ),
            "One row per sync of a calendar event (meetings, QBRs, sessions).",
        ),
        _table(
            "nps_response_c",
            (
                col("id", "string", "Record id."),
                col("account_c", "string", "The account."),
                col("contact_c", "string", "The contact who answered.", null=True),
                col("score_c", "int", "Score 0-10."),
                col("comment_c", "string", "Comment.", null=True),
                col("responded_at_c", "timestamp", "When they answered."),
            ),
            "One row per sync of an NPS response (a custom object; optional).",
        ),
    )
