{#- The columns every base model ends with, after its typed columns: the row's load time and how
    classify_contract_rows classified it (loaded_at, _row_key, _row_status, _quarantine_rule,
    _duplicate_count, _raw_values) and where it came from (_batch_file, _row_number). For a base model's final
    select from `classified`. -#}
{% macro classified_row_columns() -%}
loaded_at,
        _row_key,
        _row_status,
        _final_quarantine_rule as _quarantine_rule,
        _duplicate_count,
        _raw_values,
        _batch_file,
        _row_number
{%- endmacro %}
