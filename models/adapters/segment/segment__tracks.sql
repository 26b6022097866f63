-- grain: one row per landed row of segment.tracks and of segment.pages (every delivery of every
-- track call and page call), in the shape of usage.tracks. A track's properties come from the row
-- of its own event table (segment.event_properties: the loader lands every event table there,
-- with the properties built back into a JSON object); a page call is an event named by the var
-- segment_page_event (`Page Viewed`), its properties built by the loader from the page's columns.
-- Segment loads a track call and its event row in one sync; an event row landing in a later file
-- than its track call is paired by a full rebuild, not by an incremental run of base_usage__tracks
-- (which re-reads only the keys of new tracks files).
with

tracks as (
    select * from {{ source('segment', 'tracks') }}
),

event_properties as (
    select * from {{ source('segment', 'event_properties') }}
),

pages as (
    select * from {{ source('segment', 'pages') }}
),

-- a delivery is a message id and Segment's server clock (a redelivery arrives at another time);
-- rows repeating both are numbered in landing order, so a tracks row and the event-table row of
-- the same delivery pair one to one
numbered_tracks as (
    select
        tracks.*,
        {{ parse_timestamp('received_at') }} as _received_instant,
        {{ segment_delivery_number() }} as _delivery
    from tracks
),

numbered_properties as (
    select
        id,
        properties,
        {{ parse_timestamp('received_at') }} as _received_instant,
        {{ segment_delivery_number() }} as _delivery
    from event_properties
),

track_calls as (
    select
        numbered_tracks.id as message_id,
        numbered_tracks.user_id,
        numbered_tracks.anonymous_id,
        -- the workspace column, named by LIFECYCLE_SEGMENT_WORKSPACE_COLUMN
        numbered_tracks.{{ adapter.quote(var('segment_workspace_column')) }} as workspace_id,
        numbered_tracks.event,
        -- the client's clock (Segment's own `timestamp` is already corrected for its skew)
        numbered_tracks.original_timestamp as {{ adapter.quote('timestamp') }},
        numbered_tracks.received_at,
        numbered_properties.properties,
        numbered_tracks.loaded_at as _loaded_at,
        numbered_tracks._batch_file,
        numbered_tracks._row_number
    from numbered_tracks
    left join numbered_properties
        on
            numbered_tracks.id = numbered_properties.id
            and numbered_tracks._received_instant = numbered_properties._received_instant
            and numbered_tracks._delivery = numbered_properties._delivery
),

page_calls as (
    select
        id as message_id,
        user_id,
        anonymous_id,
        {{ adapter.quote(var('segment_workspace_column')) }} as workspace_id,
        '{{ var("segment_page_event") | replace("'", "''") }}' as event,
        original_timestamp as {{ adapter.quote('timestamp') }},
        received_at,
        properties,
        loaded_at as _loaded_at,
        _batch_file,
        _row_number
    from pages
),

final as (
    select * from track_calls
    union all
    select * from page_calls
)

select * from final
