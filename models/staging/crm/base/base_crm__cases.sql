-- grain: one row per landed row of crm.cases (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('crm', 'cases') }}
),

-- the contract's rules: key, types, load time, parents (stg_crm__accounts); then this table's own.
-- Each row is classified as staged, duplicate, superseded or quarantined
classified as (
    {% call classify_contract_rows('source', 'crm', 'cases') -%}
        -- csat is a 1-5 rating
        when {{ parse_int('csat') }} not between 1 and 5 then 'invalid_value'
    {%- endcall %}
),

final as (
    select
        id as case_id,
        account_id,
        contact_id,
        priority,
        status,
        subject,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('solved_at') }} as solved_at,
        {{ parse_int('csat') }} as csat,
        {{ classified_row_columns() }}
    from classified
)

select * from final
