-- grain: one row per landed row of crm.nps_responses (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('crm', 'nps_responses') }}
),

-- the contract's rules: key, types, load time, parents (stg_crm__accounts); then this table's own.
-- Each row is classified as staged, duplicate, superseded or quarantined
classified as (
    {% call classify_contract_rows('source', 'crm', 'nps_responses') -%}
        -- an NPS score is 0-10
        when {{ parse_int('score') }} not between 0 and 10 then 'invalid_value'
    {%- endcall %}
),

final as (
    select
        id as nps_response_id,
        account_id,
        contact_id,
        {{ parse_int('score') }} as score,
        comment,
        {{ parse_timestamp('responded_at') }} as responded_at,
        {{ classified_row_columns() }}
    from classified
)

select * from final
