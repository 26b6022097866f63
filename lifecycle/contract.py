"""The raw source contract as data: the one place that defines what lands (docs/raw_contract.md).

Every landing table, its columns in order, their contract types, nullability and one-line
meanings, its primary key and whether every version is kept. The loader uses it to shape the raw
layer, the simulator to write conforming files, the tests to check conformance, and
``lifecycle contract sync`` (:mod:`lifecycle.contract_sync`) writes the dbt side from it: the
sources YAML, the ``contract_*`` macros the base models take their column lists from, and the
column tables of docs/raw_contract.md. Types are the contract's: ``string``, ``int``,
``decimal``, ``bool``, ``timestamp``, ``date``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The contract's column types (how a landed text is parsed in staging).
TYPES: tuple[str, ...] = ("string", "int", "decimal", "bool", "timestamp", "date")


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    nullable: bool = True
    description: str = ""
    #: an enforced foreign key: ``<source>.<table>`` whose staged rows the value must name
    #: (rule ``orphan_foreign_key``; a nullable one only when given, a required one that is null is
    #: ``missing_value``)
    references: str | None = None
    #: personal data (docs/privacy.md): tagged ``meta: {pii: true}`` in the sources and staging,
    #: hashed in a quarantined row's raw values, never in a model past staging
    pii: bool = False

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is not one of {', '.join(TYPES)}")


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    versioned: bool = False
    #: what one row is, in a line
    description: str = ""
    #: versioned tables: the column that, with the id, names one version (``id @ updated_at``)
    version_column: str | None = None
    #: the column holding the ISO 4217 code of the table's money (rule ``unknown_currency``; null
    #: where the column is required: ``missing_value``)
    currency_column: str | None = None

    @property
    def key(self) -> str:
        """``<source>__<table>``: the raw table's name in the warehouse."""
        return f"{self.source}__{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_column_names(self) -> tuple[str, ...]:
        """The columns every header-carrying batch file (CSV, Parquet) must have: the key,
        ``_loaded_at`` and every non-nullable column, in contract order (docs/raw_contract.md)."""
        return tuple(c.name for c in self.columns if not c.nullable or c.name in self.primary_key)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def pii_columns(self) -> tuple[str, ...]:
        """The columns holding personal data (``pii=True``), in contract order."""
        return tuple(c.name for c in self.columns if c.pii)


def col(
    name: str,
    type_: str,
    description: str,
    *,
    null: bool = False,
    references: str | None = None,
    pii: bool = False,
) -> Column:
    """A contract column; ``null=True`` marks it nullable, ``references`` an enforced foreign key,
    ``pii=True`` personal data."""
    return Column(name, type_, null, description, references, pii)


_LOADED = col(
    "_loaded_at",
    "timestamp",
    "When the extract tool wrote the row (UTC); a later load of a key is a newer version.",
)
_IS_DELETED = col(
    "is_deleted",
    "bool",
    "Soft delete: true when the entity was deleted in the source; the row is kept and flagged.",
)

TABLES: tuple[Table, ...] = (
    # -- crm (Salesforce / HubSpot shaped) -----------------------------------------------------
    Table(
        "crm",
        "accounts",
        (
            col("id", "string", "CRM account id."),
            col("name", "string", "Company name."),
            col("industry", "string", "Industry as entered in the CRM.", null=True),
            col("billing_country", "string", "Billing country, ISO 3166-1 alpha-2 (any case).", null=True),
            col("employee_count", "int", "Number of employees of the company (never negative).", null=True),
            col("owner_user_id", "string", "Account executive who owns the account (`crm.users.id`)."),
            col("csm_user_id", "string", "Customer success manager (`crm.users.id`).", null=True),
            col(
                "billing_customer_id",
                "string",
                "Billing customer (`billing.customers.id`) as typed in by sales: may be missing or wrong.",
                null=True,
            ),
            col(
                "workspace_id",
                "string",
                "Product workspace of the company (`usage.workspaces.workspace_id`).",
                null=True,
            ),
            col("created_at", "timestamp", "When the account was created in the CRM."),
            col("updated_at", "timestamp", "When the account was last changed in the CRM."),
            _IS_DELETED,
            _LOADED,
        ),
        ("id",),
        description="One row per customer company.",
    ),
    Table(
        "crm",
        "contacts",
        (
            col("id", "string", "CRM contact id."),
            col(
                "account_id",
                "string",
                "The contact's company (`crm.accounts.id`).",
                references="crm.accounts",
            ),
            col("email", "string", "Email address.", null=True, pii=True),
            col("first_name", "string", "First name.", null=True, pii=True),
            col("last_name", "string", "Last name.", null=True, pii=True),
            col("title", "string", "Job title.", null=True),
            col(
                "persona",
                "string",
                "Buying role: `champion`, `economic_buyer`, `admin`, `end_user`, or null.",
                null=True,
            ),
            col("created_at", "timestamp", "When the contact was created in the CRM."),
            col(
                "left_company_at",
                "timestamp",
                "When the person left the customer; null while they stay.",
                null=True,
            ),
            col("updated_at", "timestamp", "When the contact was last changed in the CRM."),
            _IS_DELETED,
            _LOADED,
        ),
        ("id",),
        description="One row per person at a customer company.",
    ),
    Table(
        "crm",
        "users",
        (
            col("id", "string", "CRM user id of a member of the vendor's own staff."),
            # personal, but published on purpose as an account's owner / CSM: not pii (docs/privacy.md)
            col("full_name", "string", "Full name."),
            col("email", "string", "Work email address.", pii=True),
            col("role", "string", "`account_executive`, `customer_success_manager` or `manager`."),
            col("is_active", "bool", "False once the person no longer works in the CRM."),
            _LOADED,
        ),
        ("id",),
        description="One row per member of the vendor's staff (account owners, CSMs, managers).",
    ),
    Table(
        "crm",
        "opportunities",
        (
            col("id", "string", "CRM opportunity id."),
            col(
                "account_id",
                "string",
                "The company the deal is with (`crm.accounts.id`).",
                references="crm.accounts",
            ),
            col("owner_user_id", "string", "Seller who owns the deal (`crm.users.id`)."),
            col("type", "string", "`new_business`, `expansion`, `renewal` or `services`."),
            col("stage", "string", "Pipeline stage: an open stage, `closed_won` or `closed_lost`."),
            col(
                "amount",
                "decimal",
                "Deal value in major units of `currency` (e.g. 4800.00), never negative.",
                null=True,
            ),
            col(
                "currency",
                "string",
                "ISO 4217 code of `amount`, any case; required when `amount` is given.",
                null=True,
            ),
            col("created_at", "timestamp", "When the opportunity was created."),
            col("close_date", "date", "Expected or actual close date.", null=True),
            col("updated_at", "timestamp", "When the opportunity was last changed."),
            _IS_DELETED,
            _LOADED,
        ),
        ("id",),
        currency_column="currency",
        description="One row per sales deal.",
    ),
    Table(
        "crm",
        "cases",
        (
            col("id", "string", "Support case id."),
            col(
                "account_id",
                "string",
                "The customer company that opened the case (`crm.accounts.id`).",
                references="crm.accounts",
            ),
            col("contact_id", "string", "The person who opened it (`crm.contacts.id`).", null=True),
            col("priority", "string", "`low`, `normal`, `high` or `urgent`."),
            col("status", "string", "`new`, `open`, `pending`, `solved` or `closed`."),
            col("subject", "string", "Free-text subject line.", null=True, pii=True),
            col("created_at", "timestamp", "When the case was opened."),
            col("solved_at", "timestamp", "When it was solved; null while open.", null=True),
            col("csat", "int", "Satisfaction rating 1-5 given after the case, or null.", null=True),
            _LOADED,
        ),
        ("id",),
        description="One row per support ticket.",
    ),
    Table(
        "crm",
        "activities",
        (
            col("id", "string", "CRM activity id."),
            col(
                "account_id",
                "string",
                "The customer company touched (`crm.accounts.id`).",
                references="crm.accounts",
            ),
            col("user_id", "string", "The vendor's staff member who did it (`crm.users.id`)."),
            col("contact_id", "string", "The person at the customer, when one was involved.", null=True),
            col("type", "string", "`call`, `email`, `meeting`, `qbr`, `onboarding_session` or `training`."),
            col("occurred_at", "timestamp", "When the touch happened."),
            _LOADED,
        ),
        ("id",),
        description="One row per touch of the vendor's staff with a customer.",
    ),
    Table(
        "crm",
        "nps_responses",
        (
            col("id", "string", "NPS response id."),
            col(
                "account_id",
                "string",
                "The respondent's company (`crm.accounts.id`).",
                references="crm.accounts",
            ),
            col("contact_id", "string", "The respondent (`crm.contacts.id`).", null=True),
            col("score", "int", "Likelihood to recommend, 0-10."),
            col("comment", "string", "Free-text comment, if any.", null=True, pii=True),
            col("responded_at", "timestamp", "When the survey was answered."),
            _LOADED,
        ),
        ("id",),
        description="One row per answered NPS survey.",
    ),
    # -- billing (Stripe shaped) ------------------------------------------------------------------
    Table(
        "billing",
        "customers",
        (
            col("id", "string", "Billing customer id (`cus_...`)."),
            col("email", "string", "Billing email address.", null=True, pii=True),
            col("name", "string", "Customer name on invoices.", null=True),
            col(
                "currency",
                "string",
                "Lowercase ISO 4217 currency the customer is billed in; null until first billed.",
                null=True,
            ),
            col(
                "crm_account_id",
                "string",
                "CRM account (`crm.accounts.id`) from the customer's metadata.",
                null=True,
            ),
            col("created_at", "timestamp", "When the customer was created in billing."),
            col("delinquent", "bool", "True while the customer has an unpaid invoice past due."),
            _IS_DELETED,
            _LOADED,
        ),
        ("id",),
        currency_column="currency",
        description="One row per billing customer.",
    ),
    Table(
        "billing",
        "products",
        (
            col("id", "string", "Product id (`prod_...`)."),
            col("name", "string", "Product name."),
            col("category", "string", "`plan`, `addon` or `services`."),
            col("active", "bool", "Whether the product can still be sold."),
            _LOADED,
        ),
        ("id",),
        description="One row per product the vendor sells.",
    ),
    Table(
        "billing",
        "prices",
        (
            col("id", "string", "Price id (`price_...`)."),
            col(
                "product_id",
                "string",
                "The product priced (`billing.products.id`).",
                references="billing.products",
            ),
            col("nickname", "string", "Display name, e.g. `Growth monthly`.", null=True),
            col("currency", "string", "Lowercase ISO 4217 currency of `unit_amount`."),
            col(
                "unit_amount", "int", "Minor units per unit (per seat for seat-based plans), never negative."
            ),
            col("type", "string", "`recurring` or `one_time`."),
            col(
                "recurring_interval",
                "string",
                "`day`, `week`, `month` or `year`; null when one_time.",
                null=True,
            ),
            col(
                "recurring_interval_count",
                "int",
                "Intervals per billing period (3 with `month` is quarterly).",
                null=True,
            ),
            col("active", "bool", "Whether the price can still be used for new subscriptions."),
            col("created_at", "timestamp", "When the price was created."),
            _LOADED,
        ),
        ("id",),
        currency_column="currency",
        description="One row per price of a product (amount, currency, billing interval).",
    ),
    Table(
        "billing",
        "subscriptions",
        (
            col("id", "string", "Subscription id (`sub_...`)."),
            col(
                "customer_id",
                "string",
                "The subscribing customer (`billing.customers.id`).",
                references="billing.customers",
            ),
            col(
                "status",
                "string",
                "`trialing`, `active`, `past_due`, `unpaid`, `canceled`, `incomplete`, "
                "`incomplete_expired` or `paused`.",
            ),
            col("created_at", "timestamp", "When the subscription was created."),
            col("start_date", "timestamp", "When the subscription started."),
            col("trial_start", "timestamp", "Start of the free trial, if any.", null=True),
            col("trial_end", "timestamp", "End of the free trial, if any.", null=True),
            col("current_period_start", "timestamp", "Start of the billing period this version is in."),
            col("current_period_end", "timestamp", "End of that billing period."),
            col(
                "cancel_at_period_end", "bool", "True when the subscription is set to end at the period end."
            ),
            col("canceled_at", "timestamp", "When cancellation was requested, if it was.", null=True),
            col("ended_at", "timestamp", "When the subscription ended, if it has.", null=True),
            col(
                "discount_percent_off",
                "decimal",
                "Coupon percentage applied to every recurring line, if any.",
                null=True,
            ),
            col(
                "updated_at",
                "timestamp",
                "When this version came into effect; with `id` it names the version.",
            ),
            _LOADED,
        ),
        ("id", "_loaded_at"),
        versioned=True,
        description="One row per version of a subscription: every change lands as a new row.",
        version_column="updated_at",
    ),
    Table(
        "billing",
        "subscription_items",
        (
            col("id", "string", "Subscription item id (`si_...`)."),
            col(
                "subscription_id",
                "string",
                "The subscription the item belongs to (`billing.subscriptions.id`).",
                references="billing.subscriptions",
            ),
            col("price_id", "string", "The price billed (`billing.prices.id`).", references="billing.prices"),
            col("quantity", "int", "Units billed, e.g. seats; never negative."),
            col("created_at", "timestamp", "When the item was added."),
            col(
                "deleted_at",
                "timestamp",
                "When the item was removed from the subscription, if it was.",
                null=True,
            ),
            col(
                "updated_at",
                "timestamp",
                "When this version came into effect; with `id` it names the version.",
            ),
            _LOADED,
        ),
        ("id", "_loaded_at"),
        versioned=True,
        description="One row per version of a subscription line (a price and a quantity).",
        version_column="updated_at",
    ),
    Table(
        "billing",
        "invoices",
        (
            col("id", "string", "Invoice id (`in_...`)."),
            col(
                "customer_id",
                "string",
                "The billed customer (`billing.customers.id`).",
                references="billing.customers",
            ),
            col(
                "subscription_id",
                "string",
                "The subscription invoiced; null for one-off invoices.",
                null=True,
                references="billing.subscriptions",
            ),
            col("number", "string", "Invoice number shown to the customer.", null=True),
            col("status", "string", "`draft`, `open`, `paid`, `void` or `uncollectible`."),
            col(
                "billing_reason",
                "string",
                "`subscription_create`, `subscription_cycle`, `subscription_update` or `manual`.",
                null=True,
            ),
            col("currency", "string", "Lowercase ISO 4217 currency of every amount on the invoice."),
            col(
                "subtotal",
                "int",
                "Sum of the lines before discount and tax, minor units (negative for a credit).",
            ),
            col("discount_total", "int", "Discounts, minor units, never negative."),
            col("tax", "int", "Tax, minor units, never negative."),
            col(
                "total", "int", "Amount invoiced after discount and tax, minor units (negative for a credit)."
            ),
            col("amount_paid", "int", "Amount paid so far, minor units, never negative."),
            col("amount_due", "int", "Amount still to pay, minor units, never negative."),
            col("period_start", "timestamp", "Start of the period invoiced."),
            col("period_end", "timestamp", "End of the period invoiced."),
            col("created_at", "timestamp", "When the invoice was created."),
            col("due_date", "timestamp", "When payment is due, if set.", null=True),
            col("paid_at", "timestamp", "When the invoice was paid; null while unpaid.", null=True),
            col("attempt_count", "int", "Payment attempts made so far."),
            _LOADED,
        ),
        ("id",),
        currency_column="currency",
        description="One row per invoice (the latest load of an invoice is its current state).",
    ),
    Table(
        "billing",
        "invoice_line_items",
        (
            col("id", "string", "Invoice line id (`il_...`)."),
            col(
                "invoice_id",
                "string",
                "The invoice the line is on (`billing.invoices.id`).",
                references="billing.invoices",
            ),
            col("subscription_id", "string", "The subscription billed; null for one-off items.", null=True),
            col(
                "subscription_item_id",
                "string",
                "The subscription item billed; null for one-off items.",
                null=True,
            ),
            col("price_id", "string", "The price billed (`billing.prices.id`).", references="billing.prices"),
            col("type", "string", "`subscription` (recurring) or `invoiceitem` (one-off, e.g. services)."),
            col("description", "string", "Line text shown on the invoice.", null=True),
            col("quantity", "int", "Units billed, never negative."),
            col("amount", "int", "Minor units before discount; negative for a proration credit."),
            col("discount_amount", "int", "Discount on the line, minor units, never negative."),
            col("proration", "bool", "True when the line prorates a mid-period change."),
            col("period_start", "timestamp", "Start of the service period the line pays for."),
            col("period_end", "timestamp", "End of that service period."),
            col("currency", "string", "Lowercase ISO 4217 currency of the amounts."),
            _LOADED,
        ),
        ("id",),
        currency_column="currency",
        description="One row per invoice line (what was billed, for which service period).",
    ),
    Table(
        "billing",
        "refunds",
        (
            col("id", "string", "Refund id (`re_...`)."),
            col(
                "invoice_id",
                "string",
                "The invoice refunded (`billing.invoices.id`).",
                references="billing.invoices",
            ),
            col("amount", "int", "Amount refunded, minor units, never negative."),
            col("currency", "string", "Lowercase ISO 4217 currency of `amount`."),
            col(
                "reason", "string", "`duplicate`, `fraudulent`, `requested_by_customer`, or null.", null=True
            ),
            col("status", "string", "`succeeded`, `failed` or `pending`."),
            col("created_at", "timestamp", "When the refund was made."),
            _LOADED,
        ),
        ("id",),
        currency_column="currency",
        description="One row per refund of an invoice.",
    ),
    # -- usage (Segment shaped) -------------------------------------------------------------------
    Table(
        "usage",
        "workspaces",
        (
            col("workspace_id", "string", "Product workspace id."),
            col("name", "string", "Workspace name.", null=True),
            col(
                "crm_account_id",
                "string",
                "CRM account (`crm.accounts.id`) from the workspace's group traits.",
                null=True,
            ),
            col("created_at", "timestamp", "When the workspace was created."),
            _LOADED,
        ),
        ("workspace_id",),
        description="One row per product workspace (a customer's tenant).",
    ),
    Table(
        "usage",
        "users",
        (
            col("user_id", "string", "Product user id."),
            col(
                "workspace_id",
                "string",
                "The user's workspace (`usage.workspaces.workspace_id`).",
                null=True,
                references="usage.workspaces",
            ),
            col("email", "string", "Email address.", null=True, pii=True),
            col("role", "string", "`owner`, `admin`, `member` or `viewer`.", null=True),
            col("created_at", "timestamp", "When the user signed up."),
            col("deactivated_at", "timestamp", "When the user was deactivated, if they were.", null=True),
            _LOADED,
        ),
        ("user_id",),
        description="One row per product user.",
    ),
    Table(
        "usage",
        "tracks",
        (
            col("message_id", "string", "Unique per event; a second row with it is a redelivery."),
            col("user_id", "string", "The acting user; null for anonymous events.", null=True),
            col("anonymous_id", "string", "Device id of an anonymous visitor.", null=True),
            col(
                "workspace_id",
                "string",
                "The workspace the event happened in (`usage.workspaces.workspace_id`).",
                null=True,
                references="usage.workspaces",
            ),
            col("event", "string", "Event name, e.g. `Report Created`."),
            col(
                "timestamp",
                "string",
                "Client clock, ISO 8601 with UTC offset; may be skewed, in the future or unparseable.",
            ),
            col("received_at", "timestamp", "Server clock when the event arrived (UTC); required."),
            col(
                "properties", "string", "Event properties as a JSON object text; may be malformed.", null=True
            ),
            _LOADED,
        ),
        ("message_id",),
        description="One row per delivery of a product event (delivered at least once).",
    ),
)

SOURCES: tuple[str, ...] = ("crm", "billing", "usage")
SOURCE_DESCRIPTIONS: dict[str, str] = {
    "crm": "CRM (Salesforce / HubSpot shaped): accounts, the people at them, deals, support and touches.",
    "billing": "Billing (Stripe shaped): customers, the catalogue, subscriptions, invoices and refunds.",
    "usage": "Product analytics (Segment shaped): workspaces, product users and tracked events.",
}
BY_KEY: dict[str, Table] = {t.key: t for t in TABLES}

#: Lineage columns the loader adds to every raw row.
LINEAGE_COLUMNS: tuple[str, ...] = ("_batch_file", "_row_number")


def table(source: str, name: str) -> Table:
    return BY_KEY[f"{source}__{name}"]
