{#- Every threshold name a model may read; the seed must define each one exactly once. -#}
{% macro threshold_names() -%}
    {{ return([
        'adoption_seat_ratio', 'active_user_window_days', 'renewal_window_days', 'renewal_min_term_months',
        'usage_target_ratio', 'nps_window_days', 'csat_window_days', 'open_case_penalty',
        'engaged_contact_window_days', 'engaged_contacts_target', 'champion_left_recent_days',
        'csm_touch_full_days', 'csm_touch_zero_days', 'health_green_min', 'health_yellow_min', 'lifecycle_daily_restate_days',
        'ltv_annual_discount_rate', 'ltv_gross_margin', 'ltv_min_customers', 'ltv_min_churned',
        'worklist_urgency_floor', 'worklist_saving_drop_weeks', 'worklist_saving_drop_boost',
        'worklist_champion_left_days', 'worklist_single_threaded_max_contacts', 'worklist_renewal_days',
        'worklist_onboarding_days', 'worklist_expansion_seat_ratio',
    ]) }}
{%- endmacro %}
