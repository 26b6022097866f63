-- grain: one row per landed row of crm.cases (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'cases') }}
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
            {{ contract_rules('crm', 'cases') }}
            when _parent_account_id is null then 'orphan_foreign_key'
            -- csat is a 1-5 rating
            when {{ parse_int('csat') }} not between 1 and 5 then 'invalid_value'
        end as _quarantine_rule,
        {{ contract_row_key('crm', 'cases') }} as _row_key,
        {{ row_hash(contract_column_names('crm', 'cases', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('crm', 'cases')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
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
