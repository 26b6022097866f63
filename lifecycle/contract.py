"""The raw source contract (../shared/raw_contract.md) as data.

One place that names every landing table, its columns, their contract types and primary keys.
The loader uses it to shape the raw layer, the simulator to write conforming files, the tests to
check conformance. Types are the contract's: ``string``, ``int``, ``decimal``, ``bool``,
``timestamp``, ``date``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    versioned: bool = False

    @property
    def key(self) -> str:
        """``<source>__<table>``: the raw table's name in the warehouse."""
        return f"{self.source}__{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _cols(spec: str) -> tuple[Column, ...]:
    """Parse ``name:type[?]`` tokens; a trailing ``?`` marks a nullable column."""
    out = []
    for token in spec.split():
        name, _, typ = token.partition(":")
        nullable = typ.endswith("?")
        out.append(Column(name, (typ.rstrip("?") or "string"), nullable))
    return tuple(out)


_LOADED = "_loaded_at:timestamp"

TABLES: tuple[Table, ...] = (
    # crm
    Table(
        "crm",
        "accounts",
        _cols(
            "id name industry:string? billing_country:string? employee_count:int? owner_user_id "
            "csm_user_id:string? billing_customer_id:string? workspace_id:string? "
            f"created_at:timestamp updated_at:timestamp is_deleted:bool {_LOADED}"
        ),
        ("id",),
    ),
    Table(
        "crm",
        "contacts",
        _cols(
            "id account_id email:string? first_name:string? last_name:string? title:string? persona:string? "
            "created_at:timestamp left_company_at:timestamp? updated_at:timestamp is_deleted:bool "
            f"{_LOADED}"
        ),
        ("id",),
    ),
    Table("crm", "users", _cols(f"id full_name email role is_active:bool {_LOADED}"), ("id",)),
    Table(
        "crm",
        "opportunities",
        _cols(
            "id account_id owner_user_id type stage amount:decimal? currency:string? created_at:timestamp "
            f"close_date:date? updated_at:timestamp is_deleted:bool {_LOADED}"
        ),
        ("id",),
    ),
    Table(
        "crm",
        "cases",
        _cols(
            "id account_id contact_id:string? priority status subject:string? created_at:timestamp "
            f"solved_at:timestamp? csat:int? {_LOADED}"
        ),
        ("id",),
    ),
    Table(
        "crm",
        "activities",
        _cols(f"id account_id user_id contact_id:string? type occurred_at:timestamp {_LOADED}"),
        ("id",),
    ),
    Table(
        "crm",
        "nps_responses",
        _cols(f"id account_id contact_id:string? score:int comment:string? responded_at:timestamp {_LOADED}"),
        ("id",),
    ),
    # billing
    Table(
        "billing",
        "customers",
        _cols(
            "id email:string? name:string? currency:string? crm_account_id:string? created_at:timestamp "
            f"delinquent:bool is_deleted:bool {_LOADED}"
        ),
        ("id",),
    ),
    Table("billing", "products", _cols(f"id name category active:bool {_LOADED}"), ("id",)),
    Table(
        "billing",
        "prices",
        _cols(
            "id product_id nickname:string? currency unit_amount:int type recurring_interval:string? "
            f"recurring_interval_count:int? active:bool created_at:timestamp {_LOADED}"
        ),
        ("id",),
    ),
    Table(
        "billing",
        "subscriptions",
        _cols(
            "id customer_id status created_at:timestamp start_date:timestamp trial_start:timestamp? "
            "trial_end:timestamp? current_period_start:timestamp current_period_end:timestamp "
            "cancel_at_period_end:bool canceled_at:timestamp? ended_at:timestamp? "
            f"discount_percent_off:decimal? updated_at:timestamp {_LOADED}"
        ),
        ("id", "_loaded_at"),
        versioned=True,
    ),
    Table(
        "billing",
        "subscription_items",
        _cols(
            "id subscription_id price_id quantity:int created_at:timestamp deleted_at:timestamp? "
            f"updated_at:timestamp {_LOADED}"
        ),
        ("id", "_loaded_at"),
        versioned=True,
    ),
    Table(
        "billing",
        "invoices",
        _cols(
            "id customer_id subscription_id:string? number:string? status billing_reason:string? currency "
            "subtotal:int discount_total:int tax:int total:int amount_paid:int amount_due:int "
            "period_start:timestamp period_end:timestamp created_at:timestamp due_date:timestamp? "
            f"paid_at:timestamp? attempt_count:int {_LOADED}"
        ),
        ("id",),
    ),
    Table(
        "billing",
        "invoice_line_items",
        _cols(
            "id invoice_id subscription_id:string? subscription_item_id:string? price_id type "
            "description:string? quantity:int amount:int discount_amount:int proration:bool "
            f"period_start:timestamp period_end:timestamp currency {_LOADED}"
        ),
        ("id",),
    ),
    Table(
        "billing",
        "refunds",
        _cols(f"id invoice_id amount:int currency reason:string? status created_at:timestamp {_LOADED}"),
        ("id",),
    ),
    # usage
    Table(
        "usage",
        "workspaces",
        _cols(f"workspace_id name:string? crm_account_id:string? created_at:timestamp {_LOADED}"),
        ("workspace_id",),
    ),
    Table(
        "usage",
        "users",
        _cols(
            "user_id workspace_id:string? email:string? role:string? created_at:timestamp "
            f"deactivated_at:timestamp? {_LOADED}"
        ),
        ("user_id",),
    ),
    Table(
        "usage",
        "tracks",
        _cols(
            "message_id user_id:string? anonymous_id:string? workspace_id:string? event "
            f"timestamp:string received_at:timestamp properties:string? {_LOADED}"
        ),
        ("message_id",),
    ),
)

SOURCES: tuple[str, ...] = ("crm", "billing", "usage")
BY_KEY: dict[str, Table] = {t.key: t for t in TABLES}

#: Lineage columns the loader adds to every raw row.
LINEAGE_COLUMNS: tuple[str, ...] = ("_batch_file", "_row_number")


def table(source: str, name: str) -> Table:
    return BY_KEY[f"{source}__{name}"]
