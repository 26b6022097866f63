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

{#- Every threshold name a model may read; the seed must define each one exactly once. -#}
{% macro threshold_names() -%}
    {{ return([
        'adoption_seat_ratio', 'active_user_window_days', 'renewal_window_days', 'renewal_min_term_months',
        'usage_target_ratio', 'nps_window_days', 'csat_window_days', 'open_case_penalty',
        'engaged_contact_window_days', 'engaged_contacts_target', 'champion_left_recent_days',
        'csm_touch_full_days', 'csm_touch_zero_days', 'health_green_min', 'health_yellow_min',
    ]) }}
{%- endmacro %}
