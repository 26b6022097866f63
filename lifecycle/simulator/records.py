"""The simulator's state as contract rows: one function per table an account's story writes to."""

from __future__ import annotations

from datetime import datetime, timedelta

from .state import Account, Contact, ProductUser, Subscription, SubscriptionItem
from .world import World


def write_account(
    world: World,
    account: Account,
    at: datetime,
    name: str | None = None,
    account_id: str | None = None,
    deleted: bool = False,
) -> None:
    """A version of the CRM account (or, with ``account_id``, of a duplicate record of it)."""
    world.emit(
        "crm__accounts",
        {
            "id": account_id or account.id,
            "name": name or account.name,
            "industry": account.industry,
            "billing_country": account.country,
            "employee_count": account.employees,
            "owner_user_id": account.owner_id,
            "csm_user_id": account.csm_id,
            "billing_customer_id": account.crm_billing_customer_id,
            "workspace_id": account.crm_workspace_id,
            "created_at": account.arrival - timedelta(days=20),
            "updated_at": at,
            "is_deleted": deleted,
        },
        at,
    )


def write_contact(world: World, account: Account, contact: Contact, at: datetime) -> None:
    world.emit(
        "crm__contacts",
        {
            "id": contact.id,
            "account_id": account.id,
            "email": contact.email,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "title": contact.title,
            "persona": contact.persona,
            "created_at": contact.created_at,
            "left_company_at": contact.left_at,
            "updated_at": at,
            "is_deleted": contact.is_deleted,
        },
        at,
    )


def write_opportunity(world: World, opportunity: dict, at: datetime) -> None:
    world.emit("crm__opportunities", {**opportunity, "updated_at": at, "is_deleted": False}, at)


def write_customer(world: World, account: Account, at: datetime) -> None:
    world.emit(
        "billing__customers",
        {
            "id": account.customer_id,
            "email": f"billing@{account.domain}",
            "name": account.name,
            "currency": account.currency,
            "crm_account_id": account.customer_crm_account_id,
            "created_at": account.arrival,
            "delinquent": account.delinquent,
            "is_deleted": False,
        },
        at,
    )


def write_subscription(world: World, account: Account, sub: Subscription, at: datetime) -> None:
    world.emit(
        "billing__subscriptions",
        {
            "id": sub.id,
            "customer_id": account.customer_id,
            "status": sub.status,
            "created_at": sub.created_at,
            "start_date": sub.start_date,
            "trial_start": sub.trial_start,
            "trial_end": sub.trial_end,
            "current_period_start": sub.current_period_start,
            "current_period_end": sub.current_period_end,
            "cancel_at_period_end": sub.cancel_at_period_end,
            "canceled_at": sub.canceled_at,
            "ended_at": sub.ended_at,
            "discount_percent_off": sub.discount_percent,
            "updated_at": at,
        },
        at,
    )


def write_subscription_item(world: World, sub: Subscription, item: SubscriptionItem, at: datetime) -> None:
    world.emit(
        "billing__subscription_items",
        {
            "id": item.id,
            "subscription_id": sub.id,
            "price_id": item.price.id,
            "quantity": item.quantity,
            "created_at": item.created_at,
            "deleted_at": item.deleted_at,
            "updated_at": at,
        },
        at,
    )


def write_product_user(
    world: World, account: Account, user: ProductUser, at: datetime, deactivated: datetime | None = None
) -> None:
    world.emit(
        "usage__users",
        {
            "user_id": user.id,
            "workspace_id": account.workspace_id,
            "email": user.email,
            "role": user.role,
            "created_at": user.created_at,
            "deactivated_at": deactivated,
        },
        at,
    )
