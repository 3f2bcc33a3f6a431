-- Energy E3: each meter against the percentiles of similar meters
with annual as (
    select
        r.meter_id,
        m.kind,
        m.region,
        sum(r.kwh) as kwh
    from
        readings r
        join meters m on r.meter_id = m.meter_id
    where
        r.month between '2025-01' and '2025-12'
    group by
        r.meter_id,
        m.kind,
        m.region
),
peers as (
    select
        kind,
        region,
        percentile_approx(kwh, array(0.25, 0.5, 0.75, 0.9)) as q
    from
        annual
    group by
        kind,
        region
)
select
    a.meter_id,
    a.kind,
    a.region,
    round(a.kwh, 1) as kwh,
    round(p.q[1], 1) as peer_median_kwh,
    case
        when a.kwh > p.q[3] then 'top 10%'
        when a.kwh > p.q[2] then 'upper quartile'
        when a.kwh < p.q[0] then 'lower quartile'
        else 'typical'
    end as band,
    round(a.kwh / p.q[1], 3) as vs_median
from
    annual a
    join peers p on a.kind = p.kind and a.region = p.region
order by
    a.meter_id
