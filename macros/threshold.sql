{#-
    The value of one named threshold from seeds/thresholds.csv, as a scalar subquery of type
    decimal(18, 6): `{{ threshold('adoption_seat_ratio') }}`. The name is checked at compile time
    against the names the models use (a typo fails the compile instead of yielding null), and
    the data test assert_thresholds_complete proves every one of them is in the seed.
-#}
{% macro threshold(name) -%}
    {%- if name not in threshold_names() -%}
        {{ exceptions.raise_compiler_error("threshold('" ~ name ~ "'): unknown name; known: " ~ threshold_names() | join(', ')) }}
    {%- endif -%}
    (select cast(thresholds.value as decimal(18, 6)) from {{ ref('thresholds') }} as thresholds where thresholds.name = '{{ name }}')
{%- endmacro %}
