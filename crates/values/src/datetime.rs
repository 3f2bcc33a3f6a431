//! Hive's DATE and TIMESTAMP as text. Three readers, one per place Hive reads
//! them, because Hive's own rules differ by place:
//!
//! - a text-table field ([`parse_date`], [`parse_timestamp`]) as Hive 2.3's
//!   `LazyDate`/`LazyTimestamp` read it, with `java.sql.Date.valueOf` /
//!   `Timestamp.valueOf`: four-digit year, month 1..12, day 1..31 rolling
//!   over past the month's end, no blanks around a date;
//! - `CAST(string AS DATE/TIMESTAMP)` ([`cast_date`], [`cast_timestamp`]) as
//!   later Hive reads it (java.time, lenient): `yyyy-M-d` with a year of one
//!   to four digits, fields rolling over (month 13 is January of the next year);
//! - the string argument of a date function ([`parse_date_arg`],
//!   [`parse_timestamp_arg`], [`parse_timestamp_or_time_arg`]): a date
//!   prefix, checked strictly (Feb 30 is NULL), then an optional time.
//!
//! Days count from 1970-01-01, proleptic Gregorian.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};

use crate::{java_trim, java_trim_str};

/// Days since 1970-01-01 of a proleptic Gregorian date; month and day may
/// run over (month 13 is January of the next year, day 32 of January is
/// February 1st), as Java's lenient calendars count.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = y + (m - 1).div_euclid(12);
    let m = (m - 1).rem_euclid(12) + 1;
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + (d - 1)
}

/// Java's `Integer.parseInt` on a piece of a date or time.
fn java_int(s: &[u8]) -> Option<i64> {
    let digits = match s.first()? {
        b'+' | b'-' => &s[1..],
        _ => s,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: i64 = std::str::from_utf8(s).ok()?.trim_start_matches('+').parse().ok()?;
    i32::try_from(v).ok().map(i64::from)
}

/// Reads `min` to `max` digits at the start of `s`; returns the number and the rest.
fn leading_digits(s: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min.max(1) {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

/// `yyyy-[m]m-[d]d` as `java.sql.Date.valueOf` reads it: a four-character
/// year, month 1..12, day 1..31 rolling over past the month's end.
fn parse_ymd(s: &[u8]) -> Option<i64> {
    let first = s.iter().position(|&c| c == b'-')?;
    let second = first + 1 + s[first + 1..].iter().position(|&c| c == b'-')?;
    let (y, m, d) = (&s[..first], &s[first + 1..second], &s[second + 1..]);
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    let (y, m, d) = (java_int(y)?, java_int(m)?, java_int(d)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// A DATE field as days since the epoch (`java.sql.Date.valueOf`, no trimming).
pub fn parse_date(b: &[u8]) -> Option<i64> {
    parse_ymd(b)
}

/// A TIMESTAMP field (`java.sql.Timestamp.valueOf`: trimmed,
/// `yyyy-[m]m-[d]d h:m:s[.f]`, up to nine fraction digits, fields rolling
/// over) as seconds since the epoch and nanoseconds.
pub fn parse_timestamp(b: &[u8]) -> Option<(i64, u32)> {
    let s = java_trim(b);
    let space = s.iter().position(|&c| c == b' ')?;
    let (date, time) = (&s[..space], &s[space + 1..]);
    let days = parse_ymd(date)?;
    let c1 = time.iter().position(|&c| c == b':')?;
    let c2 = c1 + 1 + time[c1 + 1..].iter().position(|&c| c == b':')?;
    if c1 == 0 || c2 + 1 >= time.len() {
        return None;
    }
    let hour = java_int(&time[..c1])?;
    let minute = java_int(&time[c1 + 1..c2])?;
    let rest = &time[c2 + 1..];
    let (second, nanos) = match rest.iter().position(|&c| c == b'.') {
        Some(p) => {
            let frac = &rest[p + 1..];
            if frac.is_empty() || frac.len() > 9 || !frac[0].is_ascii_digit() {
                return None;
            }
            let f = java_int(frac)?;
            (java_int(&rest[..p])?, f * 10i64.pow(9 - frac.len() as u32))
        }
        None => (java_int(rest)?, 0),
    };
    if !(0..1_000_000_000).contains(&nanos) {
        return None;
    }
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some((secs, nanos as u32))
}

/// `yyyy-M-d` at the start of `s` (year of one to four digits, fields
/// rolling over): days since the epoch and the rest.
fn lenient_date_prefix(s: &str) -> Option<(i64, &str)> {
    let (y, rest) = leading_digits(s, 1, 4)?;
    let rest = rest.strip_prefix('-')?;
    let (m, rest) = leading_digits(rest, 1, 2)?;
    let rest = rest.strip_prefix('-')?;
    let (d, rest) = leading_digits(rest, 1, 2)?;
    Some((days_from_civil(y, m, d), rest))
}

/// `CAST(string AS DATE)`: `yyyy-M-d` after Java's trim, optionally followed
/// by a blank and anything (a time, ignored). Days since 1970-01-01.
pub fn cast_date(s: &str) -> Option<i32> {
    let (days, rest) = lenient_date_prefix(java_trim_str(s))?;
    (rest.is_empty() || rest.starts_with(' ')).then_some(days as i32)
}

/// `CAST(string AS TIMESTAMP)`: `yyyy-M-d[ H:m:s[.fffffffff]]` after Java's
/// trim, fraction digits beyond nine dropped, fields rolling over.
/// Nanoseconds since the epoch of that wall clock.
pub fn cast_timestamp(s: &str) -> Option<i64> {
    let (days, rest) = lenient_date_prefix(java_trim_str(s))?;
    let mut nanos = days as i128 * 86_400_000_000_000;
    if !rest.is_empty() {
        let rest = rest.strip_prefix(' ')?;
        let (h, rest) = leading_digits(rest, 1, 2)?;
        let rest = rest.strip_prefix(':')?;
        let (mi, rest) = leading_digits(rest, 1, 2)?;
        let rest = rest.strip_prefix(':')?;
        let (sec, rest) = leading_digits(rest, 1, 2)?;
        nanos += ((h * 3600 + mi * 60 + sec) as i128) * 1_000_000_000;
        if let Some(frac) = rest.strip_prefix('.') {
            if frac.is_empty() || !frac.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let nine = &frac[..frac.len().min(9)];
            nanos += nine.parse::<i128>().ok()? * 10i128.pow(9 - nine.len() as u32);
        } else if !rest.is_empty() {
            return None;
        }
    }
    i64::try_from(nanos).ok()
}

/// `[-]y-M-d` at the start of `s` (a year of up to six digits), checked as a
/// real date, not running into more digits: the date and the rest.
fn strict_date_prefix(s: &str) -> Option<(NaiveDate, &str)> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (y, rest) = leading_digits(s, 1, 6)?;
    let rest = rest.strip_prefix('-')?;
    let (m, rest) = leading_digits(rest, 1, 2)?;
    let rest = rest.strip_prefix('-')?;
    let (d, rest) = leading_digits(rest, 1, 2)?;
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let year = if neg { -y } else { y } as i32;
    Some((NaiveDate::from_ymd_opt(year, m as u32, d as u32)?, rest))
}

/// `HH:mm:ss[.f]` at the start of `s`: the time and the rest.
fn time_prefix(s: &str) -> Option<(NaiveTime, &str)> {
    let (h, rest) = leading_digits(s, 1, 2)?;
    let rest = rest.strip_prefix(':')?;
    let (m, rest) = leading_digits(rest, 1, 2)?;
    let rest = rest.strip_prefix(':')?;
    let (sec, mut rest) = leading_digits(rest, 1, 2)?;
    let mut nanos = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        let nine = &frac[..n.min(9)];
        if !nine.is_empty() {
            nanos = nine.parse::<u32>().ok()? * 10u32.pow(9 - nine.len() as u32);
        }
        rest = &frac[n..];
    }
    Some((NaiveTime::from_hms_nano_opt(h as u32, m as u32, sec as u32, nanos)?, rest))
}

/// A date function's date argument: `y-M-d`, optionally followed by a time
/// or anything that is not a digit.
pub fn parse_date_arg(s: &str) -> Option<NaiveDate> {
    strict_date_prefix(s.trim()).map(|(d, _)| d)
}

/// A date function's timestamp argument: a date with an optional
/// `HH:mm:ss[.f]` after a space or `T`; a partial time counts as no time.
pub fn parse_timestamp_arg(s: &str) -> Option<NaiveDateTime> {
    let (date, rest) = strict_date_prefix(s.trim())?;
    let time = rest
        .strip_prefix([' ', 'T'])
        .and_then(|t| time_prefix(t.trim_start()))
        .map(|(t, _)| t)
        .unwrap_or(NaiveTime::MIN);
    Some(date.and_time(time))
}

/// `HH:mm:ss[.f]` alone (`hour('13:14:15')`, on 1970-01-01), or a timestamp argument.
pub fn parse_timestamp_or_time_arg(s: &str) -> Option<NaiveDateTime> {
    parse_timestamp_arg(s).or_else(|| {
        let (t, rest) = time_prefix(s.trim())?;
        rest.trim().is_empty().then(|| DateTime::UNIX_EPOCH.date_naive().and_time(t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000_000_000;

    #[test]
    fn fields_as_java_sql() {
        assert_eq!(parse_date(b"2020-01-01"), Some(18262));
        assert_eq!(parse_date(b"2020-1-1"), Some(18262));
        assert_eq!(parse_date(b"2020-02-31"), parse_date(b"2020-03-02"));
        for bad in [" 2020-01-01", "2020-13-01", "2020-01-01 10:00:00", "12020-01-01", "2020-00-10", "2020-01-32"] {
            assert_eq!(parse_date(bad.as_bytes()), None, "{bad:?}");
        }
        let ts = |s: &str| parse_timestamp(s.as_bytes());
        let ten = 18262 * 86_400 + 36_000;
        assert_eq!(ts("2020-01-01 10:00:00"), Some((ten, 0)));
        assert_eq!(ts(" 2020-01-01 10:00:00 "), Some((ten, 0)));
        assert_eq!(ts("2020-01-01 10:00:00.123"), Some((ten, 123_000_000)));
        assert_eq!(ts("2020-01-01 10:00:00.000000001"), Some((ten, 1)));
        assert_eq!(ts("2020-1-1 1:2:3"), Some((18262 * 86_400 + 3723, 0)));
        assert_eq!(ts("2020-02-29 25:00:00"), ts("2020-03-01 01:00:00"));
        for bad in [
            "2020-01-01",
            "2020-01-01T10:00:00",
            "2020-01-01 10:00:00.1234567891",
            "2020-01-01 10:00",
            "2020-01-01 10:00:00.",
        ] {
            assert_eq!(ts(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn casts_as_later_hive() {
        assert_eq!(cast_date("2024-01-05"), Some(19727));
        assert_eq!(cast_date("2024-1-5 10:11:12"), Some(19727));
        assert_eq!(cast_date(" 2024-01-05"), Some(19727));
        assert_eq!(cast_date("2024-02-30"), cast_date("2024-03-01"));
        assert_eq!(cast_date("2024-01-05x"), None);
        assert_eq!(cast_date("20240105"), None);
        assert_eq!(cast_date("2024-01-05T10:11:12"), None);
        assert_eq!(cast_timestamp("2024-01-05"), Some(19727 * DAY));
        assert_eq!(cast_timestamp("2024-1-5"), Some(19727 * DAY));
        assert_eq!(cast_timestamp("2024-01-05 1:2:3"), Some(19727 * DAY + 3723 * 1_000_000_000));
        assert_eq!(cast_timestamp(" 2020-01-01 10:00:00 "), Some(18262 * DAY + 36_000 * 1_000_000_000));
        assert_eq!(cast_timestamp("2024-01-05 10:11:12.123456789123"), Some(19727 * DAY + 36_672_123_456_789));
        assert_eq!(cast_timestamp("2020-02-29 25:00:00"), cast_timestamp("2020-03-01 01:00:00"));
        assert_eq!(cast_timestamp("1969-12-31 23:59:59.5"), Some(-500_000_000));
        // Hive 2.3.10 prints NULL for each of these.
        for bad in ["2024-01-05 10:11", "2024-01-05T10:11:12", "2020-01-01 10:00:00.", "2024-01-05 10:11:12.5x"] {
            assert_eq!(cast_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn function_arguments() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(parse_date_arg("2015-04-08"), Some(d(2015, 4, 8)));
        assert_eq!(parse_date_arg("1995-1-01"), Some(d(1995, 1, 1)));
        assert_eq!(parse_date_arg("95-2-02"), Some(d(95, 2, 2)));
        assert_eq!(parse_date_arg("2015-04-08T10:30:45"), Some(d(2015, 4, 8)));
        assert_eq!(parse_date_arg("random_string"), None);
        assert_eq!(parse_date_arg("2015-02-30"), None);
        let t = parse_timestamp_arg("2015-04-08 10:30:45.123").unwrap();
        assert_eq!(t.to_string(), "2015-04-08 10:30:45.123");
        assert_eq!(parse_timestamp_arg("2015-04-08 10:30").unwrap().to_string(), "2015-04-08 00:00:00");
        assert_eq!(parse_timestamp_arg("2015-04-08T10:30:45").unwrap().to_string(), "2015-04-08 10:30:45");
        assert_eq!(parse_timestamp_or_time_arg("13:14:15").unwrap().to_string(), "1970-01-01 13:14:15");
        assert_eq!(parse_timestamp_or_time_arg("13:14"), None);
    }
}
