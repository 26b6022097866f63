{#- Every table of the raw contract as [source, table] pairs (lifecycle/contract.py holds the same
    list for Python; tests/test_contract_sync.py keeps the two in step). -#}
{% macro contract_tables() -%}
    {{ return([
        ['crm', 'accounts'], ['crm', 'contacts'], ['crm', 'users'], ['crm', 'opportunities'],
        ['crm', 'cases'], ['crm', 'activities'], ['crm', 'nps_responses'],
        ['billing', 'customers'], ['billing', 'products'], ['billing', 'prices'],
        ['billing', 'subscriptions'], ['billing', 'subscription_items'], ['billing', 'invoices'],
        ['billing', 'invoice_line_items'], ['billing', 'refunds'],
        ['usage', 'workspaces'], ['usage', 'users'], ['usage', 'tracks'],
    ]) }}
{%- endmacro %}
