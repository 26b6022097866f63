-- grain: one row per landed row of usage.users (every batch, every version), typed and classified
with

source as (
    select * from {{ source('usage', 'users') }}
),

workspaces as (
    select * from {{ ref('stg_usage__workspaces') }}
),

-- every landed row with its load time, parsed once
landed as (
    select
        source.*,
        {{ parse_timestamp('_loaded_at') }} as loaded_at
    from source
),

-- each foreign key's staged parent (null: an orphan, or no workspace given)
with_parents as (
    {{ join_parents('landed', {'workspace_id': 'workspaces'}) }}
),

-- the first contract rule the row breaks (null: none), its key and its payload
checked as (
    select
        with_parents.*,
        case
            {{ contract_rules('usage', 'users') }}
            -- workspace_id is nullable: only a given one must be a staged workspace
            when workspace_id is not null and _parent_workspace_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        {{ contract_row_key('usage', 'users') }} as _row_key,
        {{ row_hash(contract_column_names('usage', 'users', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('usage', 'users')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
),

final as (
    select
        user_id,
        workspace_id,
        email,
        role,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('deactivated_at') }} as deactivated_at,
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
