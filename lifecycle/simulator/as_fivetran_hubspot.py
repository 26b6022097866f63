"""The simulated CRM in Fivetran's HubSpot shape: contract rows -> connector rows.

Used by ``lifecycle simulate --layout fivetran_hubspot`` (:mod:`.layouts`), batch by batch; values
stay the contract's text. Where HubSpot holds a value in another shape, the row is re-expressed
the way a HubSpot portal does:

- properties are ``property_<name>`` columns; the company's CSM, billing customer and workspace
  are custom properties (their default names); a staff member is an ``owner`` (first and last
  name, no role: the adapter infers it);
- a deal's, ticket's or engagement's company and contact are association rows, written when
  the link is new (a bad copy naming a company the portal does not have cannot be associated,
  so it keeps the valid row's association);
- deal stages and ticket stages are pipeline-stage rows (a won stage ``closed_won``, a lost one
  probability 0); deal types are HubSpot's ``newbusiness``/``existingbusiness``; ticket
  priorities upper case, statuses HubSpot's default stage labels;
- calls and emails are engagements of type ``CALL``/``EMAIL``; meetings, QBRs, onboarding
  sessions and trainings ``MEETING`` engagements with their activity type;
- NPS responses are a custom object, ``nps_response``.

Nothing here depends on what a metric comes out as.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lifecycle.connectors.fivetran_hubspot import OPTIONS

from .as_fivetran_salesforce import label

Row = dict[str, str | None]

PRIMARY_TABLE = {
    "accounts": "company",
    "contacts": "contact",
    "users": "owner",
    "opportunities": "deal",
    "cases": "ticket",
    "activities": "engagement",
    "nps_responses": "nps_response",
}
_PROPERTY = {env: default for env, default, _ in OPTIONS}
_DEAL_TYPES = {"new_business": "newbusiness", "expansion": "existingbusiness"}
_TICKET_STAGES = {"open": "Waiting on us", "pending": "Waiting on contact"}
_ENGAGEMENT_TYPES = {"call": "CALL", "email": "EMAIL"}
_TICKET_PRIORITIES = {"normal": "MEDIUM"}


@dataclass
class State:
    """What the conversion carries from batch to batch: the companies and contacts the portal has,
    the associations written, the pipeline stages written."""

    companies: set[str] = field(default_factory=set)
    contacts: set[str] = field(default_factory=set)
    links: dict[tuple[str, str], str | None] = field(default_factory=dict)
    stages: set[tuple[str, str]] = field(default_factory=set)


def _stage_id(kind: str, name: str) -> str:
    return f"{kind}_{name}"


def convert(table: str, rows: Iterable[Row], state: State) -> dict[str, list[Row]]:
    """The connector rows of one contract batch of crm ``table`` (rows in file order)."""
    out: dict[str, list[Row]] = {}

    def add(name: str, row: Row) -> None:
        out.setdefault(name, []).append(row)

    def link(
        name: str, left: str, right: str, entity: str | None, other: str | None, known: set[str], synced
    ):
        """An association row when the entity's link is new and the other side exists."""
        if entity is None or other is None or other not in known or state.links.get((name, entity)) == other:
            return
        state.links[(name, entity)] = other
        add(name, {left: entity, right: other, "_fivetran_synced": synced})

    def stage(kind: str, name: str | None, row: Row) -> str | None:
        if name is None:
            return None
        sid = _stage_id(kind, name)
        if (kind, name) not in state.stages:
            state.stages.add((kind, name))
            add(f"{kind}_pipeline_stage", {"stage_id": sid, **row})
        return sid

    for r in rows:
        synced = r.get("_loaded_at")
        if table == "accounts":
            if r["id"] is not None:
                state.companies.add(r["id"])
            add(
                "company",
                {
                    "id": r["id"],
                    "property_name": r["name"],
                    "property_industry": r["industry"],
                    "property_country": r["billing_country"],
                    "property_numberofemployees": r["employee_count"],
                    "property_hubspot_owner_id": r["owner_user_id"],
                    _PROPERTY["LIFECYCLE_HUBSPOT_CSM_PROPERTY"]: r["csm_user_id"],
                    _PROPERTY["LIFECYCLE_HUBSPOT_STRIPE_CUSTOMER_PROPERTY"]: r["billing_customer_id"],
                    _PROPERTY["LIFECYCLE_HUBSPOT_WORKSPACE_PROPERTY"]: r["workspace_id"],
                    "property_createdate": r["created_at"],
                    "property_hs_lastmodifieddate": r["updated_at"],
                    "is_deleted": r["is_deleted"],
                    "_fivetran_synced": synced,
                },
            )
        elif table == "contacts":
            if r["id"] is not None:
                state.contacts.add(r["id"])
            add(
                "contact",
                {
                    "id": r["id"],
                    "property_email": r["email"],
                    "property_firstname": r["first_name"],
                    "property_lastname": r["last_name"],
                    "property_jobtitle": r["title"],
                    "property_hs_persona": r["persona"],
                    "property_associatedcompanyid": r["account_id"],
                    "property_left_company_date": r["left_company_at"],
                    "property_createdate": r["created_at"],
                    "property_lastmodifieddate": r["updated_at"],
                    "_fivetran_deleted": r["is_deleted"],
                    "_fivetran_synced": synced,
                },
            )
        elif table == "users":
            first, _, last = (r["full_name"] or "").partition(" ")
            add(
                "owner",
                {
                    "owner_id": r["id"],
                    "email": r["email"],
                    "first_name": first or None,
                    "last_name": last or None,
                    "is_active": r["is_active"],
                    "_fivetran_synced": synced,
                },
            )
        elif table == "opportunities":
            name = r["stage"]
            sid = stage(
                "deal",
                name,
                {
                    "label": label(name),
                    "closed_won": "true" if name == "closed_won" else "false",
                    "probability": {"closed_won": "1.0", "closed_lost": "0.0"}.get(name or "", "0.5"),
                    "_fivetran_synced": synced,
                },
            )
            link("deal_company", "deal_id", "company_id", r["id"], r["account_id"], state.companies, synced)
            add(
                "deal",
                {
                    "deal_id": r["id"],
                    "property_hubspot_owner_id": r["owner_user_id"],
                    "property_dealtype": _DEAL_TYPES.get(r["type"] or "", r["type"]),
                    "property_dealstage": sid,
                    "property_amount": r["amount"],
                    "property_deal_currency_code": r["currency"],
                    "property_closedate": r["close_date"],
                    "property_createdate": r["created_at"],
                    "property_hs_lastmodifieddate": r["updated_at"],
                    "is_deleted": r["is_deleted"],
                    "_fivetran_synced": synced,
                },
            )
        elif table == "cases":
            status = r["status"]
            sid = stage(
                "ticket",
                status,
                {"label": _TICKET_STAGES.get(status or "", label(status)), "_fivetran_synced": synced},
            )
            link(
                "ticket_company", "ticket_id", "company_id", r["id"], r["account_id"], state.companies, synced
            )
            link(
                "ticket_contact", "ticket_id", "contact_id", r["id"], r["contact_id"], state.contacts, synced
            )
            add(
                "ticket",
                {
                    "id": r["id"],
                    "property_subject": r["subject"],
                    "property_hs_ticket_priority": _TICKET_PRIORITIES.get(
                        r["priority"] or "", (r["priority"] or "").upper() or None
                    ),
                    "property_hs_pipeline_stage": sid,
                    "property_closed_date": r["solved_at"],
                    "property_csat": r["csat"],
                    "property_createdate": r["created_at"],
                    "is_deleted": "false",
                    "_fivetran_synced": synced,
                },
            )
        elif table == "activities":
            kind = r["type"]
            link(
                "engagement_company",
                "engagement_id",
                "company_id",
                r["id"],
                r["account_id"],
                state.companies,
                synced,
            )
            link(
                "engagement_contact",
                "engagement_id",
                "contact_id",
                r["id"],
                r["contact_id"],
                state.contacts,
                synced,
            )
            add(
                "engagement",
                {
                    "id": r["id"],
                    "type": _ENGAGEMENT_TYPES.get(kind or "", "MEETING"),
                    "activity_type": None if kind in _ENGAGEMENT_TYPES else label(kind),
                    "owner_id": r["user_id"],
                    "timestamp": r["occurred_at"],
                    "_fivetran_synced": synced,
                },
            )
        elif table == "nps_responses":
            add(
                "nps_response",
                {
                    "id": r["id"],
                    "property_company_id": r["account_id"],
                    "property_contact_id": r["contact_id"],
                    "property_score": r["score"],
                    "property_comment": r["comment"],
                    "property_responded_at": r["responded_at"],
                    "_fivetran_synced": synced,
                },
            )
        else:
            raise ValueError(f"crm table {table!r} has no Fivetran HubSpot form")
    return out
