-- grain: one row per landed row of crm.contacts (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'contacts') }}
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
            {{ contract_rules('crm', 'contacts') }}
            when _parent_account_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        {{ contract_row_key('crm', 'contacts') }} as _row_key,
        {{ row_hash(contract_column_names('crm', 'contacts', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('crm', 'contacts')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
),

final as (
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
