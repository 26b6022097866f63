{#- A Segment row's place among the landed rows of its delivery: the same message id (`id`) and
    server clock (`received_at`, compared as an instant), in landing order. A tracks row and the
    event-table row of one delivery get the same number, so they pair one to one
    (models/adapters/segment/segment__tracks.sql). -#}
{% macro segment_delivery_number() -%}
    row_number() over (
        partition by id, {{ parse_timestamp('received_at') }}
        order by _batch_file, _row_number
    )
{%- endmacro %}
