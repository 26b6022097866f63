-- grain: one row per landed row of crm.nps_responses (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'nps_responses') }}
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

-- each foreign key's staged parent (null: an orphan)
with_parents as (
    {{ join_parents('landed', {'account_id': 'accounts'}) }}
),

-- the first contract rule the row breaks (null: none), its key and its payload
checked as (
    select
        with_parents.*,
        case
            {{ contract_rules('crm', 'nps_responses') }}
            when _parent_account_id is null then 'orphan_foreign_key'
            -- an NPS score is 0-10
            when {{ parse_int('score') }} not between 0 and 10 then 'invalid_value'
        end as _quarantine_rule,
        {{ contract_row_key('crm', 'nps_responses') }} as _row_key,
        {{ row_hash(contract_column_names('crm', 'nps_responses', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('crm', 'nps_responses')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
),

final as (
    select
        id as nps_response_id,
        account_id,
        contact_id,
        {{ parse_int('score') }} as score,
        comment,
        {{ parse_timestamp('responded_at') }} as responded_at,
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
