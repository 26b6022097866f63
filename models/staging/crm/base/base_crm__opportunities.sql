-- grain: one row per landed row of crm.opportunities (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'opportunities') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

-- the account must be a staged CRM account (soft-deleted accounts count as existing); CRM
-- currency codes come in any case and are matched lowercased against the currencies seed
with_lookups as (
    select
        source.*,
        accounts.account_id as _parent_account_id,
        currencies.currency as _known_currency,
        currencies.usd_per_unit as _usd_per_unit
    from source
    left join accounts
        on source.account_id = accounts.account_id
    left join currencies
        on lower(trim(source.currency)) = currencies.currency
),

typed as (
    select
        id as opportunity_id,
        account_id,
        owner_user_id,
        type as opportunity_type,
        stage,
        {{ parse_decimal('amount') }} as amount,
        lower(trim(currency)) as currency,
        cast(cast({{ parse_decimal('amount') }} as decimal(38, 4)) * cast(_usd_per_unit as decimal(18, 8)) as decimal(38, 4)) as amount_usd,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_date('close_date') }} as close_date,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_bool('is_deleted') }} as is_deleted,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('amount', parse_decimal('amount')) }} then 'unparseable_number'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('close_date', parse_date('close_date')) }} then 'unparseable_date'
            when {{ is_unparseable('updated_at', parse_timestamp('updated_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('is_deleted', parse_bool('is_deleted')) }} then 'unparseable_bool'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            -- a currency not in the seed, or an amount without a currency (null with null is fine)
            when currency is not null and _known_currency is null then 'unknown_currency'
            when currency is null and amount is not null then 'unknown_currency'
            when _parent_account_id is null then 'orphan_foreign_key'
            when {{ parse_decimal('amount') }} < 0 then 'negative_amount'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash([
            'id', 'account_id', 'owner_user_id', 'type', 'stage', 'amount', 'currency', 'created_at',
            'close_date', 'updated_at', 'is_deleted',
        ]) }} as _payload_hash,
        {{ json_object_of([
            'id', 'account_id', 'owner_user_id', 'type', 'stage', 'amount', 'currency', 'created_at',
            'close_date', 'updated_at', 'is_deleted', '_loaded_at',
        ]) }} as _raw_values,
        {{ parse_timestamp('_loaded_at') }} as _loaded_at,
        _batch_file,
        _row_number
    from with_lookups
),

classified as (
    {{ classify_rows('typed', partition_by='_row_key') }}
),

final as (
    select
        opportunity_id,
        account_id,
        owner_user_id,
        opportunity_type,
        stage,
        amount,
        currency,
        amount_usd,
        created_at,
        close_date,
        updated_at,
        is_deleted,
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
