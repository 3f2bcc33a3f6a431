-- Energy E4: top consumers of each kind
select
    kind,
    rnk,
    meter_id,
    round(total_kwh, 1) as total_kwh,
    round(share * 100, 3) as share_pct
from
    (
        select
            kind,
            meter_id,
            total_kwh,
            total_kwh / sum(total_kwh) over (partition by kind) as share,
            rank() over (partition by kind order by total_kwh desc) as rnk
        from
            (
                select
                    m.kind,
                    r.meter_id,
                    sum(r.kwh) as total_kwh
                from
                    readings r
                    join meters m on r.meter_id = m.meter_id
                where
                    r.month like '2025-%'
                group by
                    m.kind,
                    r.meter_id
            ) per_meter
    ) ranked
where
    rnk <= 10
order by
    kind,
    rnk,
    meter_id
