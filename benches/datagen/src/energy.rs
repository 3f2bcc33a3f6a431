//! A smart-meter workload: `meters` (one row per meter: kind, region,
//! contracted power) and `readings` (one kWh value per meter and hour),
//! partitioned by month in Hive's layout `readings/month=YYYY-MM/`.
//!
//! Every value is a pure function of the meter and the hour, so the data is
//! the same on every machine and for every file split. Consumption follows
//! the meter's kind: households peak in the morning and the evening and use
//! more in winter; businesses draw in working hours on weekdays and cool in
//! summer; industry runs shifts around the clock. Each meter has its own
//! size, a yearly growth or decline, and ±15 % noise hour by hour.

use std::f64::consts::PI;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Weekday};
use parquet::errors::ParquetError;

/// What to generate: `meters` meters, hourly from January of `first_year`
/// through December of the last of `years` years.
#[derive(Debug, Clone, Copy)]
pub struct EnergySpec {
    pub meters: u32,
    pub first_year: i32,
    pub years: i32,
}

impl EnergySpec {
    /// The months of the workload, `(year, month)`, in order.
    pub fn months(&self) -> Vec<(i32, u32)> {
        (self.first_year..self.first_year + self.years).flat_map(|y| (1..=12).map(move |m| (y, m))).collect()
    }
}

/// Meters per batch written: about 73 000 rows for a month.
const METERS_PER_BATCH: u32 = 100;

const REGIONS: [&str; 5] = ["north", "south", "east", "west", "centre"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Residential,
    Commercial,
    Industrial,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Residential => "residential",
            Kind::Commercial => "commercial",
            Kind::Industrial => "industrial",
        }
    }
}

/// A meter's fixed traits, drawn from its id.
#[derive(Debug, Clone, Copy)]
struct Meter {
    id: u32,
    kind: Kind,
    region: &'static str,
    /// Mean draw in kW over a year.
    base_kw: f64,
    /// Change of consumption from one year to the next (-0.06 is 6 % less).
    growth: f64,
}

impl Meter {
    fn new(id: u32) -> Self {
        let kind = match unit(id as u64, 1) {
            u if u < 0.70 => Kind::Residential,
            u if u < 0.92 => Kind::Commercial,
            _ => Kind::Industrial,
        };
        let (low, high) = match kind {
            Kind::Residential => (0.25, 0.75),
            Kind::Commercial => (5.0, 40.0),
            Kind::Industrial => (80.0, 600.0),
        };
        let size = unit(id as u64, 3);
        Meter {
            id,
            kind,
            region: REGIONS[(unit(id as u64, 2) * REGIONS.len() as f64) as usize],
            base_kw: low + (high - low) * size * size,
            growth: -0.06 + 0.16 * unit(id as u64, 4),
        }
    }

    fn contracted_kw(&self) -> f64 {
        (self.base_kw * (3.0 + 2.0 * unit(self.id as u64, 5)) * 10.0).round() / 10.0
    }

    /// kWh used in the hour starting at `at`; `years` since the first year.
    fn kwh(&self, at: NaiveDateTime, years: i32) -> f64 {
        let weekend = matches!(at.weekday(), Weekday::Sat | Weekday::Sun);
        let hour = at.hour() as f64;
        let day_of_year = at.ordinal0() as f64;
        let winter = (2.0 * PI * (day_of_year - 15.0) / 365.0).cos().max(0.0);
        let summer = (-(day_of_year - 200.0).powi(2) / (2.0 * 30.0f64.powi(2))).exp();
        let (daily, seasonal) = match self.kind {
            Kind::Residential => {
                let morning = if weekend { bump(hour, 9.5, 1.5) } else { bump(hour, 7.5, 1.0) };
                (0.45 + 0.8 * morning + 1.3 * bump(hour, 19.5, 2.0), 1.0 + 0.45 * winter + 0.15 * summer)
            }
            Kind::Commercial => {
                let open = !weekend && (8.0..19.0).contains(&hour);
                (if open { 1.7 } else { 0.35 }, 1.0 + 0.15 * winter + 0.3 * summer)
            }
            Kind::Industrial => {
                let day_shift = (6.0..22.0).contains(&hour);
                (
                    if weekend {
                        0.7
                    } else if day_shift {
                        1.15
                    } else {
                        0.8
                    },
                    1.0 + 0.05 * winter,
                )
            }
        };
        let hour_index = (at.and_utc().timestamp() / 3600) as u64;
        let noise = 0.85 + 0.3 * unit(hour_index.wrapping_mul(1_000_003) ^ self.id as u64, 6);
        let kwh = self.base_kw * daily * seasonal * (1.0 + self.growth).powi(years) * noise;
        (kwh * 1000.0).round() / 1000.0
    }
}

/// A bell around `center` of width `width` hours, 1 at the center.
fn bump(hour: f64, center: f64, width: f64) -> f64 {
    (-(hour - center).powi(2) / (2.0 * width * width)).exp()
}

/// A uniform draw in [0, 1) fixed by `key` and `stream` (SplitMix64).
fn unit(key: u64, stream: u64) -> f64 {
    let mut z = key.wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn meters_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("meter_id", DataType::Int32, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("region", DataType::Utf8, false),
        Field::new("contracted_kw", DataType::Float64, false),
    ]))
}

fn readings_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("meter_id", DataType::Int32, false),
        Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, None), false),
        Field::new("kwh", DataType::Float64, false),
    ]))
}

fn meters_batch(spec: &EnergySpec) -> RecordBatch {
    let meters: Vec<Meter> = (1..=spec.meters).map(Meter::new).collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(meters.iter().map(|m| m.id as i32).collect::<Int32Array>()),
        Arc::new(meters.iter().map(|m| Some(m.kind.name())).collect::<StringArray>()),
        Arc::new(meters.iter().map(|m| Some(m.region)).collect::<StringArray>()),
        Arc::new(meters.iter().map(|m| m.contracted_kw()).collect::<Float64Array>()),
    ];
    RecordBatch::try_new(meters_schema(), columns).expect("columns match the schema")
}

/// The readings of meters `ids` for every hour of one month, meter by meter.
fn readings_batch(ids: std::ops::Range<u32>, year: i32, month: u32, first_year: i32) -> RecordBatch {
    let start = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month").and_hms_opt(0, 0, 0).expect("midnight");
    let end =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) }
            .expect("valid month")
            .and_hms_opt(0, 0, 0)
            .expect("midnight");
    let hours = (end - start).num_hours();
    let (mut id, mut ts, mut kwh) = (vec![], vec![], vec![]);
    for meter in ids.map(Meter::new) {
        for h in 0..hours {
            let at = start + TimeDelta::hours(h);
            id.push(meter.id as i32);
            ts.push(at.and_utc().timestamp_micros());
            kwh.push(meter.kwh(at, year - first_year));
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(id)),
        Arc::new(TimestampMicrosecondArray::from(ts)),
        Arc::new(Float64Array::from(kwh)),
    ];
    RecordBatch::try_new(readings_schema(), columns).expect("columns match the schema")
}

/// Writes `dir/meters/meters.parquet` and one file per month under
/// `dir/readings/month=YYYY-MM/`, unless a previous run finished (its marker
/// `dir/_generated` exists). `on_month` is called after each month.
pub fn generate(dir: &Path, spec: &EnergySpec, on_month: &mut dyn FnMut(&str)) -> Result<(), ParquetError> {
    let done = dir.join("_generated");
    if done.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir.join("meters"))?;
    super::write_parquet(&dir.join("meters/meters.parquet"), meters_schema(), [meters_batch(spec)])?;
    for (year, month) in spec.months() {
        let name = format!("{year}-{month:02}");
        let part = dir.join("readings").join(format!("month={name}"));
        std::fs::create_dir_all(&part)?;
        let batches = (1..=spec.meters).step_by(METERS_PER_BATCH as usize).map(|first| {
            readings_batch(first..(first + METERS_PER_BATCH).min(spec.meters + 1), year, month, spec.first_year)
        });
        super::write_parquet(&part.join("part-0.parquet"), readings_schema(), batches)?;
        on_month(&name);
    }
    std::fs::write(&done, format!("{spec:?}\n"))?;
    Ok(())
}

/// HiveQL declaring `meters` and the month-partitioned `readings` in database
/// `db`, with the partitions found by MSCK REPAIR.
pub fn ddl(dir: &Path, db: &str) -> String {
    format!(
        "CREATE DATABASE IF NOT EXISTS {db};\n\
         CREATE EXTERNAL TABLE IF NOT EXISTS {db}.meters (meter_id INT, kind STRING, region STRING, contracted_kw DOUBLE) \
         STORED AS PARQUET LOCATION '{}';\n\
         CREATE EXTERNAL TABLE IF NOT EXISTS {db}.readings (meter_id INT, ts TIMESTAMP, kwh DOUBLE) \
         PARTITIONED BY (month STRING) STORED AS PARQUET LOCATION '{}';\n\
         MSCK REPAIR TABLE {db}.readings;\n",
        dir.join("meters").display(),
        dir.join("readings").display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_meter_and_hour_give_the_same_reading() {
        let a = readings_batch(1..4, 2025, 2, 2024);
        let b = readings_batch(1..4, 2025, 2, 2024);
        assert_eq!(a, b);
        assert_eq!(a.num_rows(), 3 * 28 * 24);
    }

    #[test]
    fn households_use_more_in_the_evening_than_at_night_and_more_in_winter() {
        let home = (1..200).map(Meter::new).find(|m| m.kind == Kind::Residential).unwrap();
        let at = |d: &str, h: u32| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap().and_hms_opt(h, 0, 0).unwrap();
        let day = |d: &str| (0..24).map(|h| home.kwh(at(d, h), 0)).sum::<f64>();
        let evening: f64 = (0..7).map(|d| home.kwh(at("2024-01-08", 19) + TimeDelta::days(d), 0)).sum();
        let night: f64 = (0..7).map(|d| home.kwh(at("2024-01-08", 3) + TimeDelta::days(d), 0)).sum();
        assert!(evening > 1.5 * night, "evening {evening} night {night}");
        let january: f64 = (1..=28).map(|d| day(&format!("2024-01-{d:02}"))).sum();
        let may: f64 = (1..=28).map(|d| day(&format!("2024-05-{d:02}"))).sum();
        assert!(january > 1.2 * may, "january {january} may {may}");
    }

    #[test]
    fn kinds_and_regions_are_all_present() {
        let meters: Vec<Meter> = (1..=1000).map(Meter::new).collect();
        for kind in [Kind::Residential, Kind::Commercial, Kind::Industrial] {
            assert!(meters.iter().filter(|m| m.kind == kind).count() > 30, "{kind:?}");
        }
        for region in REGIONS {
            assert!(meters.iter().any(|m| m.region == region), "{region}");
        }
    }
}
