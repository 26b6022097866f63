-- grain: one row per landed row of crm.activities (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'activities') }}
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

-- each foreign key's staged parent (null: an orphan); user_id is staff, not checked
with_parents as (
    {{ join_parents('landed', {'account_id': 'accounts'}) }}
),

-- the first contract rule the row breaks (null: none), its key and its payload
checked as (
    select
        with_parents.*,
        case
            {{ contract_rules('crm', 'activities') }}
            when _parent_account_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        {{ contract_row_key('crm', 'activities') }} as _row_key,
        {{ row_hash(contract_column_names('crm', 'activities', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('crm', 'activities')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
),

final as (
    select
        id as activity_id,
        account_id,
        user_id,
        contact_id,
        type as activity_type,
        {{ parse_timestamp('occurred_at') }} as occurred_at,
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
