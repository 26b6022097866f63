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

-- every landed row with its load time, parsed once
landed as (
    select
        source.*,
        {{ parse_timestamp('_loaded_at') }} as loaded_at
    from source
),

-- the currency's USD rate (rate_currency null: unknown); CRM codes come in any case
with_currency as (
    {{ join_currency_rates('landed', 'currencies') }}
),

-- each foreign key's staged parent (null: an orphan)
with_parents as (
    {{ join_parents('with_currency', {'account_id': 'accounts'}) }}
),

-- the first contract rule the row breaks (null: none), its key and its payload
checked as (
    select
        with_parents.*,
        case
            {{ contract_rules('crm', 'opportunities') }}
            -- a currency not in the seed, or an amount without a currency (null with null is fine)
            when currency is not null and rate_currency is null then 'unknown_currency'
            when currency is null and amount is not null then 'unknown_currency'
            when _parent_account_id is null then 'orphan_foreign_key'
            when {{ parse_decimal('amount') }} < 0 then 'negative_amount'
        end as _quarantine_rule,
        {{ contract_row_key('crm', 'opportunities') }} as _row_key,
        {{ row_hash(contract_column_names('crm', 'opportunities', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('crm', 'opportunities')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
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
