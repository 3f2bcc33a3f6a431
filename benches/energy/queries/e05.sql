-- Energy E5: year-over-year change per meter and month
with monthly as (
    select
        meter_id,
        month,
        sum(kwh) as kwh
    from
        readings
    group by
        meter_id,
        month
)
select
    cur.meter_id,
    cur.month,
    round(cur.kwh, 1) as kwh,
    round(prev.kwh, 1) as kwh_year_before,
    round(100 * (cur.kwh - prev.kwh) / prev.kwh, 2) as change_pct
from
    monthly cur
    join monthly prev on cur.meter_id = prev.meter_id
        and prev.month = concat(cast(cast(substr(cur.month, 1, 4) as int) - 1 as string), substr(cur.month, 5))
order by
    change_pct desc,
    cur.meter_id,
    cur.month
limit 100
