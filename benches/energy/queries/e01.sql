-- Energy E1: monthly totals per meter
select
    meter_id,
    month,
    round(sum(kwh), 3) as total_kwh,
    max(kwh) as peak_kwh
from
    readings
group by
    meter_id,
    month
order by
    meter_id,
    month
