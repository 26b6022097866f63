-- grain: one row per landed row of crm.opportunities (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('crm', 'opportunities') }}
),

-- the contract's rules: key, types, load time, currency (seed currencies), parents
-- (stg_crm__accounts), with a currency required for an amount (missing_value: an amount is only
-- meaningful with its currency; no amount, no currency is fine); then this table's own. Each row
-- is classified as staged, duplicate, superseded or quarantined
classified as (
    {% call classify_contract_rows(
        'source',
        'crm',
        'opportunities',
        missing_when=['currency is null and amount is not null'],
    ) -%}
        when {{ parse_decimal('amount') }} < 0 then 'negative_amount'
    {%- endcall %}
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
        {{ classified_row_columns() }}
    from classified
)

select * from final
