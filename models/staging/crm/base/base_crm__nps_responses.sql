-- grain: one row per landed row of crm.nps_responses (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'nps_responses') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

-- the account must be a staged CRM account (soft-deleted accounts count as existing)
with_parent as (
    select
        source.*,
        accounts.account_id as _parent_account_id
    from source
    left join accounts
        on source.account_id = accounts.account_id
),

typed as (
    select
        id as nps_response_id,
        account_id,
        contact_id,
        {{ parse_int('score') }} as score,
        comment,
        {{ parse_timestamp('responded_at') }} as responded_at,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('score', parse_int('score')) }} then 'unparseable_number'
            when {{ is_unparseable('responded_at', parse_timestamp('responded_at')) }} then 'unparseable_timestamp'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            when _parent_account_id is null then 'orphan_foreign_key'
            -- an NPS score is 0-10
            when {{ parse_int('score') }} not between 0 and 10 then 'invalid_value'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash(['id', 'account_id', 'contact_id', 'score', 'comment', 'responded_at']) }} as _payload_hash,
        {{ json_object_of(['id', 'account_id', 'contact_id', 'score', 'comment', 'responded_at', '_loaded_at']) }} as _raw_values,
        {{ parse_timestamp('_loaded_at') }} as _loaded_at,
        _batch_file,
        _row_number
    from with_parent
),

classified as (
    {{ classify_rows('typed', partition_by='_row_key') }}
),

final as (
    select
        nps_response_id,
        account_id,
        contact_id,
        score,
        comment,
        responded_at,
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
