"""HubSpot as Fivetran lands it: the tables and columns the ``fivetran_hubspot`` adapter reads.

Fivetran writes each HubSpot property as a column ``property_<internal name>``
(``numberofemployees`` -> ``property_numberofemployees``), links objects through association
tables (``deal_company``, ``ticket_contact``, ...) and pipeline stages through their own tables.
Three custom company properties carry what HubSpot has no property for; their column names are
options (``LIFECYCLE_HUBSPOT_*_PROPERTY``). Only the columns the adapter reads are listed.
Mapping and what HubSpot cannot provide: docs/connectors/fivetran_hubspot.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from lifecycle.contract import Table, col

from . import fivetran

LAYOUT = "fivetran_hubspot"

#: (environment variable, default column name, what it carries)
OPTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "LIFECYCLE_HUBSPOT_STRIPE_CUSTOMER_PROPERTY",
        "property_stripe_customer_id",
        "the company's billing customer id (`cus_...`): links the CRM to billing",
    ),
    (
        "LIFECYCLE_HUBSPOT_CSM_PROPERTY",
        "property_customer_success_manager",
        "the company's customer success manager (an owner id)",
    ),
    (
        "LIFECYCLE_HUBSPOT_WORKSPACE_PROPERTY",
        "property_workspace_id",
        "the company's product workspace id: links the CRM to usage",
    ),
)

_DELETED = col("is_deleted", "bool", "HubSpot's archived flag.", null=True)
_CREATED = col("property_createdate", "timestamp", "When the record was created.")


_table = partial(fivetran.table, LAYOUT)


def _association(name: str, left: str, right: str, what: str) -> Table:
    return _table(
        name,
        (col(left, "string", f"The {left.removesuffix('_id')}."), col(right, "string", f"The {what}.")),
        (left, right),
        f"One row per sync of an association of a {left.removesuffix('_id')} with a {what}.",
    )


def tables(options: Mapping[str, str]) -> tuple[Table, ...]:
    """The tables with the custom properties named by ``options`` (by variable; defaults otherwise)."""
    prop = {env: options.get(env) or default for env, default, _ in OPTIONS}
    return (
        _table(
            "company",
            (
                col("id", "string", "Company id."),
                col("property_name", "string", "Company name."),
                col("property_industry", "string", "Industry.", null=True),
                col("property_country", "string", "Country.", null=True),
                col("property_numberofemployees", "int", "Employees.", null=True),
                col("property_hubspot_owner_id", "string", "The company owner (an owner id)."),
                col(prop[OPTIONS[1][0]], "string", f"Custom property: {OPTIONS[1][2]}.", null=True),
                col(prop[OPTIONS[0][0]], "string", f"Custom property: {OPTIONS[0][2]}.", null=True),
                col(prop[OPTIONS[2][0]], "string", f"Custom property: {OPTIONS[2][2]}.", null=True),
                _CREATED,
                col("property_hs_lastmodifieddate", "timestamp", "When the company last changed.", null=True),
                _DELETED,
            ),
            ("id",),
            "One row per sync of a company.",
        ),
        _table(
            "contact",
            (
                col("id", "string", "Contact id."),
                col("property_email", "string", "Email.", null=True, pii=True),
                col("property_firstname", "string", "First name.", null=True, pii=True),
                col("property_lastname", "string", "Last name.", null=True, pii=True),
                col("property_jobtitle", "string", "Job title.", null=True),
                col("property_hs_persona", "string", "HubSpot persona.", null=True),
                col("property_associatedcompanyid", "string", "The contact's primary company.", null=True),
                col(
                    "property_left_company_date",
                    "timestamp",
                    "Custom property: when the person left.",
                    null=True,
                ),
                _CREATED,
                col("property_lastmodifieddate", "timestamp", "When the contact last changed.", null=True),
                col("_fivetran_deleted", "bool", "True once the contact was deleted in HubSpot.", null=True),
            ),
            ("id",),
            "One row per sync of a contact.",
        ),
        _table(
            "owner",
            (
                col("owner_id", "string", "Owner id (a HubSpot user who owns records)."),
                col("email", "string", "Email.", null=True, pii=True),
                col("first_name", "string", "First name.", null=True),
                col("last_name", "string", "Last name.", null=True),
                col("is_active", "bool", "Whether the owner is active.", null=True),
            ),
            ("owner_id",),
            "One row per sync of an owner (the vendor's staff).",
        ),
        _table(
            "deal",
            (
                col("deal_id", "string", "Deal id."),
                col("property_hubspot_owner_id", "string", "The deal owner."),
                col(
                    "property_dealtype",
                    "string",
                    "`newbusiness`, `existingbusiness` or a custom type.",
                    null=True,
                ),
                col("property_dealstage", "string", "The stage id (deal_pipeline_stage)."),
                col("property_amount", "decimal", "Amount.", null=True),
                col("property_deal_currency_code", "string", "Currency.", null=True),
                col("property_closedate", "timestamp", "Expected or actual close date.", null=True),
                _CREATED,
                col("property_hs_lastmodifieddate", "timestamp", "When the deal last changed.", null=True),
                _DELETED,
            ),
            ("deal_id",),
            "One row per sync of a deal.",
        ),
        _association("deal_company", "deal_id", "company_id", "company"),
        _table(
            "deal_pipeline_stage",
            (
                col("stage_id", "string", "Stage id."),
                col("label", "string", "Stage label."),
                col("closed_won", "bool", "Whether the stage is won.", null=True),
                col(
                    "probability",
                    "decimal",
                    "Win probability (0 for a lost stage, 1 for a won one).",
                    null=True,
                ),
            ),
            ("stage_id",),
            "One row per sync of a deal pipeline stage.",
        ),
        _table(
            "engagement",
            (
                col("id", "string", "Engagement id."),
                col("type", "string", "`CALL`, `EMAIL`, `MEETING`, ..."),
                col(
                    "activity_type",
                    "string",
                    "The call or meeting type set by the team (e.g. `QBR`).",
                    null=True,
                ),
                col("owner_id", "string", "The owner who did it."),
                col("timestamp", "timestamp", "When it happened."),
            ),
            ("id",),
            "One row per sync of an engagement (calls, emails, meetings).",
        ),
        _association("engagement_company", "engagement_id", "company_id", "company"),
        _association("engagement_contact", "engagement_id", "contact_id", "contact"),
        _table(
            "ticket",
            (
                col("id", "string", "Ticket id."),
                col("property_subject", "string", "Subject.", null=True),
                col("property_hs_ticket_priority", "string", "`LOW`, `MEDIUM`, `HIGH`, `URGENT`.", null=True),
                col(
                    "property_hs_pipeline_stage", "string", "The stage id (ticket_pipeline_stage).", null=True
                ),
                col("property_closed_date", "timestamp", "When the ticket was closed.", null=True),
                col("property_csat", "int", "Custom property: the satisfaction score (1-5).", null=True),
                _CREATED,
                _DELETED,
            ),
            ("id",),
            "One row per sync of a ticket.",
        ),
        _association("ticket_company", "ticket_id", "company_id", "company"),
        _association("ticket_contact", "ticket_id", "contact_id", "contact"),
        _table(
            "ticket_pipeline_stage",
            (
                col("stage_id", "string", "Stage id."),
                col("label", "string", "Stage label, e.g. `Waiting on contact`."),
            ),
            ("stage_id",),
            "One row per sync of a ticket pipeline stage.",
        ),
        _table(
            "nps_response",
            (
                col("id", "string", "Record id."),
                col("property_company_id", "string", "The company."),
                col("property_contact_id", "string", "The contact who answered.", null=True),
                col("property_score", "int", "Score 0-10."),
                col("property_comment", "string", "Comment.", null=True),
                col("property_responded_at", "timestamp", "When they answered."),
            ),
            ("id",),
            "One row per sync of an NPS response (a custom object; optional).",
        ),
    )
