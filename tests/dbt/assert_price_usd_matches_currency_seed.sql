-- Every price's unit_amount_usd (used by MRR) is unit_amount_minor in the currency's major unit
-- (÷ 10^minor_unit_exponent: 0 for zero-decimal jpy/krw, so 500 jpy is ¥500) × usd_per_unit of
-- seeds/currencies.csv, within a millionth of a dollar. Compared without division:
-- unit_amount_usd × 10^exponent = unit_amount_minor × usd_per_unit. Returns the prices that differ.
with

prices as (
    select * from {{ ref('stg_billing__prices') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

compared as (
    select
        prices.price_id,
        prices.currency,
        prices.unit_amount_minor,
        prices.unit_amount_usd,
        currencies.minor_unit_exponent,
        currencies.usd_per_unit,
        cast(prices.unit_amount_usd as decimal(38, 10))
        * case currencies.minor_unit_exponent when 0 then 1 when 1 then 10 when 2 then 100 when 3 then 1000 end
            as scaled_usd,
        cast(prices.unit_amount_minor as decimal(38, 0)) * cast(currencies.usd_per_unit as decimal(38, 10)) as expected_scaled_usd
    from prices
    left join currencies
        on prices.currency = currencies.currency
)

select *
from compared
where currency is null
    or minor_unit_exponent is null
    or unit_amount_usd is null
    or abs(scaled_usd - expected_scaled_usd)
    > 0.000001 * case minor_unit_exponent when 0 then 1 when 1 then 10 when 2 then 100 when 3 then 1000 end
