-- Energy E6: daily peak hour per meter in one month
select
    meter_id,
    day,
    hour_of_day,
    kwh
from
    (
        select
            meter_id,
            to_date(ts) as day,
            hour(ts) as hour_of_day,
            kwh,
            row_number() over (partition by meter_id, to_date(ts) order by kwh desc, ts) as rn
        from
            readings
        where
            month = '2025-07'
    ) t
where
    rn = 1
order by
    meter_id,
    day
