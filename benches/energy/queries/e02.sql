-- Energy E2: load profile by hour of day
select
    m.kind,
    hour(r.ts) as hour_of_day,
    round(avg(r.kwh), 4) as avg_kwh,
    round(stddev_pop(r.kwh), 4) as stddev_kwh,
    count(*) as readings
from
    readings r
    join meters m on r.meter_id = m.meter_id
where
    r.month >= '2025-01'
group by
    m.kind,
    hour(r.ts)
order by
    m.kind,
    hour_of_day
