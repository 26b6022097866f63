-- grain: one row per landed row of crm.cases (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'cases') }}
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
        id as case_id,
        account_id,
        contact_id,
        priority,
        status,
        subject,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('solved_at') }} as solved_at,
        {{ parse_int('csat') }} as csat,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('solved_at', parse_timestamp('solved_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('csat', parse_int('csat')) }} then 'unparseable_number'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            when _parent_account_id is null then 'orphan_foreign_key'
            -- csat is a 1-5 rating
            when {{ parse_int('csat') }} not between 1 and 5 then 'invalid_value'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash([
            'id', 'account_id', 'contact_id', 'priority', 'status', 'subject', 'created_at', 'solved_at',
            'csat',
        ]) }} as _payload_hash,
        {{ json_object_of([
            'id', 'account_id', 'contact_id', 'priority', 'status', 'subject', 'created_at', 'solved_at',
            'csat', '_loaded_at',
        ]) }} as _raw_values,
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
        case_id,
        account_id,
        contact_id,
        priority,
        status,
        subject,
        created_at,
        solved_at,
        csat,
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
