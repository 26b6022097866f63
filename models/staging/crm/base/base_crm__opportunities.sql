-- grain: one row per landed row of crm.opportunities (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'opportunities') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

-- the currency's USD rate (rate_currency null: unknown); CRM codes come in any case
with_currency as (
    {{ join_currency_rates('source', 'currencies') }}
),

-- this table's own rules, checked after the contract's key, type and load-time rules
checked as (
    select
        with_currency.*,
        case
            -- a currency not in the seed, or an amount without a currency (null with null is fine)
            when currency is not null and rate_currency is null then 'unknown_currency'
            when currency is null and amount is not null then 'unknown_currency'
            when accounts.account_id is null then 'orphan_foreign_key'
            when {{ parse_decimal('amount') }} < 0 then 'negative_amount'
        end as _table_rule
    from with_currency
    left join accounts
        on with_currency.account_id = accounts.account_id
),

classified as (
    {{ classify_contract_rows('checked', 'crm', 'opportunities', table_rule='_table_rule') }}
),

final as (
    select
        id as opportunity_id,
        account_id,
        owner_user_id,
        type as opportunity_type,
        stage,
        {{ parse_decimal('amount') }} as amount,
        lower(trim(currency)) as currency,
        cast(
            cast({{ parse_decimal('amount') }} as decimal(38, 4)) * cast(usd_per_unit as decimal(18, 8))
            as decimal(38, 4)
        ) as amount_usd,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_date('close_date') }} as close_date,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_bool('is_deleted') }} as is_deleted,
        loaded_at,
        _row_key,
        _row_status,
        _final_quarantine_rule as _quarantine_rule,
        _raw_values,
        _batch_file,
        _row_number
    from classified
)

select * from final
