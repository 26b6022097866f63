-- grain: one row per landed row of crm.contacts (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'contacts') }}
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
        id as contact_id,
        account_id,
        email,
        first_name,
        last_name,
        title,
        persona,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('left_company_at') }} as left_company_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_bool('is_deleted') }} as is_deleted,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('left_company_at', parse_timestamp('left_company_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('updated_at', parse_timestamp('updated_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('is_deleted', parse_bool('is_deleted')) }} then 'unparseable_bool'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            when _parent_account_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash([
            'id', 'account_id', 'email', 'first_name', 'last_name', 'title', 'persona', 'created_at',
            'left_company_at', 'updated_at', 'is_deleted',
        ]) }} as _payload_hash,
        {{ json_object_of([
            'id', 'account_id', 'email', 'first_name', 'last_name', 'title', 'persona', 'created_at',
            'left_company_at', 'updated_at', 'is_deleted', '_loaded_at',
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
        contact_id,
        account_id,
        email,
        first_name,
        last_name,
        title,
        persona,
        created_at,
        left_company_at,
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
