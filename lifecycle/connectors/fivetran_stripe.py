"""Stripe as Fivetran lands it: the tables and columns the ``fivetran_stripe`` adapter reads.

Only the columns the adapter maps are listed; a file may carry any others (Fivetran syncs dozens
more), and they are ignored. Types are Fivetran's (``timestamp`` for its Instants, ``string`` for
its Json columns); the loader lands every value as text. Required columns (not nullable) must be in
every header-carrying batch file. The mapping onto the contract is in
``models/adapters/fivetran_stripe/`` and docs/connectors/fivetran_stripe.md.
"""

from __future__ import annotations

from functools import partial

from lifecycle.contract import Table, col

from . import fivetran

LAYOUT = "fivetran_stripe"

_METADATA = col("metadata", "string", "Stripe metadata: a JSON object of the account's own keys.", null=True)
_CREATED = col("created", "timestamp", "When the object was created in Stripe.")
_HISTORY = (
    col(
        "_fivetran_start",
        "timestamp",
        "History mode: when this version became current; the contract's `updated_at`.",
    ),
    col("_fivetran_end", "timestamp", "History mode: when this version stopped being current.", null=True),
    col("_fivetran_active", "bool", "History mode: true for the version that is current now.", null=True),
)


_table = partial(fivetran.table, LAYOUT)


_SUBSCRIPTION_COLUMNS = (
    col("id", "string", "Subscription id (`sub_...`)."),
    col("customer_id", "string", "The customer billed."),
    col("status", "string", "Stripe's subscription status."),
    _CREATED,
    col("start_date", "timestamp", "When the subscription started."),
    col("trial_start", "timestamp", "Trial start.", null=True),
    col("trial_end", "timestamp", "Trial end.", null=True),
    col("current_period_start", "timestamp", "Start of the paid-for period."),
    col("current_period_end", "timestamp", "End of the paid-for period."),
    col("cancel_at_period_end", "bool", "Cancels when the period ends."),
    col("canceled_at", "timestamp", "When the cancellation was requested.", null=True),
    col("ended_at", "timestamp", "When the subscription ended.", null=True),
    _METADATA,
)

TABLES: tuple[Table, ...] = (
    _table(
        "customer",
        (
            col("id", "string", "Customer id (`cus_...`)."),
            col("email", "string", "Billing email.", null=True, pii=True),
            col("name", "string", "Customer name.", null=True),
            col("currency", "string", "Currency the customer is billed in.", null=True),
            col("delinquent", "bool", "Stripe's delinquency flag.", null=True),
            col("is_deleted", "bool", "Fivetran's soft-delete flag.", null=True),
            _METADATA,
            _CREATED,
        ),
        ("id",),
        "One row per sync of a Stripe customer.",
    ),
    _table(
        "product",
        (
            col("id", "string", "Product id (`prod_...`)."),
            col("name", "string", "Product name."),
            col("active", "bool", "Whether the product can be sold.", null=True),
            _METADATA,
            col("created", "timestamp", "When the product was created.", null=True),
        ),
        ("id",),
        "One row per sync of a Stripe product.",
    ),
    _table(
        "price",
        (
            col("id", "string", "Price id (`price_...`)."),
            col("product_id", "string", "The product priced."),
            col("nickname", "string", "Internal name.", null=True),
            col("currency", "string", "Currency."),
            col("unit_amount", "int", "Minor units per unit.", null=True),
            col("type", "string", "`recurring` or `one_time`."),
            col("recurring_interval", "string", "`day`, `week`, `month` or `year`.", null=True),
            col("recurring_interval_count", "int", "Intervals between bills.", null=True),
            col("active", "bool", "Whether the price can be used.", null=True),
            _CREATED,
        ),
        ("id",),
        "One row per sync of a Stripe price.",
    ),
    _table(
        "plan",
        (
            col("id", "string", "Plan id: Stripe's legacy price object, for prices created as plans."),
            col("product_id", "string", "The product priced."),
            col("nickname", "string", "Internal name.", null=True),
            col("currency", "string", "Currency."),
            col("amount", "int", "Minor units per unit.", null=True),
            col("interval", "string", "`day`, `week`, `month` or `year`."),
            col("interval_count", "int", "Intervals between bills.", null=True),
            col("active", "bool", "Whether the plan can be used.", null=True),
            _CREATED,
        ),
        ("id",),
        "One row per sync of a legacy Stripe plan (always recurring).",
    ),
    _table(
        "subscription_history",
        (*_SUBSCRIPTION_COLUMNS, *_HISTORY),
        ("id", "_fivetran_start"),
        "One row per version of a subscription (Fivetran history mode).",
    ),
    _table(
        "subscription",
        _SUBSCRIPTION_COLUMNS,
        ("id",),
        "One row per sync of a subscription, for connectors without history mode; read only for "
        "subscriptions that have no subscription_history rows.",
    ),
    _table(
        "subscription_item",
        (
            col("id", "string", "Subscription item id (`si_...`)."),
            col("subscription_id", "string", "The subscription."),
            col("price_id", "string", "The price (newer connectors).", null=True),
            col("plan_id", "string", "The plan: the price under its legacy name.", null=True),
            col("quantity", "int", "Seats.", null=True),
            _CREATED,
            _METADATA,
            col(
                "_fivetran_deleted",
                "bool",
                "True once the item was removed from the subscription.",
                null=True,
            ),
            col(
                "_fivetran_start",
                "timestamp",
                "History mode: when this version became current; without it the sync time dates a change.",
                null=True,
            ),
            col(
                "_fivetran_end",
                "timestamp",
                "History mode: when this version stopped being current.",
                null=True,
            ),
            col("_fivetran_active", "bool", "History mode: true for the current version.", null=True),
        ),
        ("id", "_fivetran_synced"),
        "One row per version (history mode) or sync of a subscription item.",
    ),
    _table(
        "discount",
        (
            col("id", "string", "Discount id (`di_...`)."),
            col("type", "string", "What the discount applies to: `subscription`, `customer`, `invoice`, ..."),
            col("type_id", "string", "The id of the object it applies to.", null=True),
            col("coupon_id", "string", "The coupon."),
            col("subscription_id", "string", "The subscription, for subscription discounts.", null=True),
            col("start", "timestamp", "When the discount began to apply."),
            col("end", "timestamp", "When it stopped applying; null while it applies.", null=True),
        ),
        ("id",),
        "One row per sync of a discount (the latest sync of an id wins).",
    ),
    _table(
        "coupon",
        (
            col("id", "string", "Coupon id."),
            col("percent_off", "decimal", "Percentage off.", null=True),
            col("amount_off", "int", "Fixed amount off (minor units).", null=True),
            col("duration", "string", "`once`, `repeating` or `forever`.", null=True),
            col("created", "timestamp", "When the coupon was created.", null=True),
        ),
        ("id",),
        "One row per sync of a coupon.",
    ),
    _table(
        "invoice",
        (
            col("id", "string", "Invoice id (`in_...`)."),
            col("customer_id", "string", "The customer billed."),
            col("subscription_id", "string", "The subscription, null for one-off invoices.", null=True),
            col("number", "string", "Invoice number.", null=True),
            col("status", "string", "`draft`, `open`, `paid`, `void` or `uncollectible`."),
            col("billing_reason", "string", "Why the invoice was created.", null=True),
            col("currency", "string", "Currency."),
            col("subtotal", "int", "Sum of the lines before discounts (minor units)."),
            col(
                "total_discount_amounts",
                "string",
                'JSON array of the discounts\' amounts (`[{"amount": 300, ...}]`).',
                null=True,
            ),
            col("tax", "int", "Tax (minor units).", null=True),
            col("total", "int", "Total (minor units)."),
            col("amount_paid", "int", "Paid (minor units)."),
            col("amount_due", "int", "Due (minor units)."),
            col("period_start", "timestamp", "Start of the invoiced period."),
            col("period_end", "timestamp", "End of the invoiced period."),
            _CREATED,
            col("due_date", "timestamp", "When payment is due.", null=True),
            col("status_transitions_paid_at", "timestamp", "When it was paid.", null=True),
            col("attempt_count", "int", "Payment attempts.", null=True),
        ),
        ("id",),
        "One row per sync of an invoice.",
    ),
    _table(
        "invoice_line_item",
        (
            col("id", "string", "Line id (`il_...`)."),
            col("invoice_id", "string", "The invoice."),
            col("subscription_id", "string", "The subscription, null for one-off lines.", null=True),
            col(
                "subscription_item_id", "string", "The subscription item, null for one-off lines.", null=True
            ),
            col("price_id", "string", "The price (newer connectors).", null=True),
            col("plan_id", "string", "The plan: the price under its legacy name.", null=True),
            col("type", "string", "`subscription` or `invoiceitem`."),
            col("description", "string", "Line text.", null=True),
            col("quantity", "int", "Quantity.", null=True),
            col("amount", "int", "Minor units before discounts; negative for proration credits."),
            col(
                "discount_amounts",
                "string",
                'JSON array of the discounts\' amounts on the line (`[{"amount": 300, ...}]`).',
                null=True,
            ),
            col("proration", "bool", "True for proration lines.", null=True),
            col("period_start", "timestamp", "Start of the service period."),
            col("period_end", "timestamp", "End of the service period."),
            col("currency", "string", "Currency."),
        ),
        ("id",),
        "One row per sync of an invoice line.",
    ),
    _table(
        "charge",
        (
            col("id", "string", "Charge id (`ch_...`)."),
            col("invoice_id", "string", "The invoice the charge paid.", null=True),
            col("customer_id", "string", "The customer.", null=True),
            col("amount", "int", "Amount charged (minor units).", null=True),
            col("currency", "string", "Currency.", null=True),
            col("status", "string", "`succeeded`, `pending` or `failed`.", null=True),
            col("created", "timestamp", "When the charge was made.", null=True),
        ),
        ("id",),
        "One row per sync of a charge: refunds name a charge, the charge names the invoice.",
    ),
    _table(
        "refund",
        (
            col("id", "string", "Refund id (`re_...`)."),
            col("charge_id", "string", "The charge refunded.", null=True),
            col("amount", "int", "Amount refunded (minor units)."),
            col("currency", "string", "Currency."),
            col("reason", "string", "`duplicate`, `fraudulent`, `requested_by_customer` or null.", null=True),
            col("status", "string", "`succeeded`, `failed` or `pending`."),
            _CREATED,
        ),
        ("id",),
        "One row per sync of a refund.",
    ),
)
