//! Java date patterns (`SimpleDateFormat` letters such as `yyyy-MM-dd HH:mm:ss`),
//! parsed once into tokens, then used to format and to parse date-times the
//! way Hive does.
//!
//! Hive's date functions (`date_format`, `from_unixtime`, `unix_timestamp`,
//! `add_months` with a pattern, later `CAST ... FORMAT`) all take such a
//! pattern, so the rules live here once:
//!
//! - Letters are `SimpleDateFormat`'s (`G y Y M L w W D d F E u a H k K h m s
//!   S z Z X`) in the US locale: weeks start on Sunday and week 1 is the week
//!   that holds January 1st (for `w`, `W`, `Y`). Text in single quotes is
//!   literal, `''` is a quote, any other ASCII letter makes the pattern
//!   invalid (Hive then returns NULL).
//! - `S` is the fraction of the second cut to as many digits as letters
//!   (`S` of 45.123 s is `1`, `SSS` is `123`), as Hive 3+ prints it; Java's
//!   `SimpleDateFormat` would print milliseconds.
//! - `z` prints Java's short zone name (`PST`, `CEST`, `ICT`), `zzzz` the long
//!   name where known; Java uses today's names for every date, so do we.
//! - Parsing is lenient as `SimpleDateFormat.parse` is: text after the pattern
//!   is ignored, names match in any case, a numeric field takes all its digits
//!   unless another numeric field follows at once, and out-of-range fields roll
//!   over (month 13 is January of the next year).
//!
//! Dates are proleptic Gregorian (as chrono's), as in Hive 3+.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// Monday first, as chrono's `num_days_from_monday`.
const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// Text printed and matched as is.
    Literal(String),
    /// A pattern letter repeated `width` times (`yyyy` is `y`, 4).
    Field { letter: char, width: usize },
}

/// A parsed Java date pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaDatePattern {
    tokens: Vec<Token>,
}

/// Letters `SimpleDateFormat` knows.
const LETTERS: &str = "GyYMLwWDdFEuaHkKhmsSzZX";

impl JavaDatePattern {
    /// Parses `pattern`; an unknown letter or an unclosed quote is an error.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let mut tokens: Vec<Token> = Vec::new();
        let chars: Vec<char> = pattern.chars().collect();
        let mut literal = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    literal.push('\'');
                    i += 2;
                    continue;
                }
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => {
                            return Err(format!("unterminated quote in date pattern '{pattern}'"));
                        }
                        Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                            literal.push('\'');
                            j += 2;
                        }
                        Some('\'') => break,
                        Some(&ch) => {
                            literal.push(ch);
                            j += 1;
                        }
                    }
                }
                i = j + 1;
            } else if c.is_ascii_alphabetic() {
                if !LETTERS.contains(c) {
                    return Err(format!("illegal pattern character '{c}' in date pattern '{pattern}'"));
                }
                let mut width = 1;
                while chars.get(i + width) == Some(&c) {
                    width += 1;
                }
                if !literal.is_empty() {
                    tokens.push(Token::Literal(std::mem::take(&mut literal)));
                }
                tokens.push(Token::Field { letter: c, width });
                i += width;
            } else {
                literal.push(c);
                i += 1;
            }
        }
        if !literal.is_empty() {
            tokens.push(Token::Literal(literal));
        }
        Ok(Self { tokens })
    }

    /// The tokens, in order.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Formats a wall-clock time of zone `tz` (the zone is only read by `z`,
    /// `Z` and `X`; a gap or overlap takes the earlier offset).
    pub fn format_local(&self, local: &NaiveDateTime, tz: &Tz) -> String {
        let offset = match tz.offset_from_local_datetime(local) {
            LocalResult::Single(o) | LocalResult::Ambiguous(o, _) => o,
            LocalResult::None => tz.offset_from_utc_datetime(local),
        };
        self.format_with(local, tz, &offset)
    }

    /// Formats an instant in its zone.
    pub fn format(&self, dt: &DateTime<Tz>) -> String {
        self.format_with(&dt.naive_local(), &dt.timezone(), dt.offset())
    }

    fn format_with(&self, t: &NaiveDateTime, tz: &Tz, offset: &<Tz as TimeZone>::Offset) -> String {
        let mut out = String::new();
        for token in &self.tokens {
            match token {
                Token::Literal(s) => out.push_str(s),
                Token::Field { letter, width } => format_field(&mut out, *letter, *width, t, tz, offset),
            }
        }
        out
    }

    /// Parses `text` as a wall-clock time; also returns the UTC offset in
    /// seconds when the text names one (`z`, `Z`, `X`). `None` when the text
    /// does not match.
    pub fn parse_local(&self, text: &str) -> Option<(NaiveDateTime, Option<i32>)> {
        let mut f = Fields::default();
        let mut rest = text;
        for (i, token) in self.tokens.iter().enumerate() {
            match token {
                Token::Literal(lit) => rest = match_literal(rest, lit)?,
                Token::Field { letter, width } => {
                    // A numeric field followed at once by another takes exactly its width.
                    let abutting = matches!(self.tokens.get(i + 1), Some(Token::Field { letter: n, width: nw })
                        if is_numeric(*n, *nw));
                    rest = parse_field(rest, *letter, *width, abutting, &mut f)?;
                }
            }
        }
        Some((f.resolve()?, f.offset))
    }

    /// Parses `text` as a time in zone `tz` (or in the offset the text names).
    pub fn parse_datetime(&self, text: &str, tz: &Tz) -> Option<DateTime<Tz>> {
        let (local, offset) = self.parse_local(text)?;
        match offset {
            Some(secs) => {
                let utc = local - Duration::seconds(secs as i64);
                Some(tz.from_utc_datetime(&utc))
            }
            None => from_local(tz, &local),
        }
    }
}

/// The instant of a wall-clock time in `tz`, as Java resolves it: in an
/// overlap the earlier offset, in a gap the time moved forward by the gap.
pub fn from_local(tz: &Tz, local: &NaiveDateTime) -> Option<DateTime<Tz>> {
    match tz.from_local_datetime(local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t),
        LocalResult::None => {
            let before = tz.offset_from_utc_datetime(&(*local - Duration::days(1))).fix();
            Some(tz.from_utc_datetime(&(*local - Duration::seconds(before.local_minus_utc() as i64))))
        }
    }
}

fn is_numeric(letter: char, width: usize) -> bool {
    match letter {
        'M' | 'L' => width < 3,
        'G' | 'E' | 'a' | 'z' | 'Z' | 'X' => false,
        _ => true,
    }
}

fn pad(out: &mut String, v: i64, width: usize) {
    if v < 0 {
        out.push('-');
    }
    let digits = v.unsigned_abs().to_string();
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

/// Week of year and its year in the US locale: weeks start on Sunday and
/// week 1 holds January 1st.
fn us_week(d: NaiveDate) -> (i32, u32) {
    let next_jan1 = NaiveDate::from_ymd_opt(d.year() + 1, 1, 1);
    if let Some(n) = next_jan1 {
        let start_of_its_week = n - Duration::days(n.weekday().num_days_from_sunday() as i64);
        if d >= start_of_its_week {
            return (d.year() + 1, 1);
        }
    }
    let jan1 = NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(d);
    let week = (d.ordinal0() + jan1.weekday().num_days_from_sunday()) / 7 + 1;
    (d.year(), week)
}

fn format_year(out: &mut String, year: i32, width: usize) {
    // Java prints the year of the era: 1 BC is year 1.
    let y = if year <= 0 { 1 - year as i64 } else { year as i64 };
    if width == 2 {
        pad(out, y % 100, 2);
    } else {
        pad(out, y, width);
    }
}

fn format_field(
    out: &mut String,
    letter: char,
    width: usize,
    t: &NaiveDateTime,
    tz: &Tz,
    offset: &<Tz as TimeZone>::Offset,
) {
    let d = t.date();
    match letter {
        'G' => out.push_str(if d.year() <= 0 { "BC" } else { "AD" }),
        'y' => format_year(out, d.year(), width),
        'Y' => format_year(out, us_week(d).0, width),
        'M' | 'L' => match width {
            1 | 2 => pad(out, d.month() as i64, width),
            3 => out.push_str(&MONTHS[d.month0() as usize][..3]),
            _ => out.push_str(MONTHS[d.month0() as usize]),
        },
        'w' => pad(out, us_week(d).1 as i64, width),
        'W' => {
            let first = d.with_day(1).unwrap_or(d);
            let week = (d.day0() + first.weekday().num_days_from_sunday()) / 7 + 1;
            pad(out, week as i64, width)
        }
        'D' => pad(out, d.ordinal() as i64, width),
        'd' => pad(out, d.day() as i64, width),
        'F' => pad(out, (d.day0() / 7 + 1) as i64, width),
        'E' => {
            let name = WEEKDAYS[d.weekday().num_days_from_monday() as usize];
            out.push_str(if width >= 4 { name } else { &name[..3] })
        }
        'u' => pad(out, d.weekday().number_from_monday() as i64, width),
        'a' => out.push_str(if t.hour() < 12 { "AM" } else { "PM" }),
        'H' => pad(out, t.hour() as i64, width),
        'k' => pad(out, if t.hour() == 0 { 24 } else { t.hour() as i64 }, width),
        'K' => pad(out, (t.hour() % 12) as i64, width),
        'h' => pad(out, t.hour12().1 as i64, width),
        'm' => pad(out, t.minute() as i64, width),
        's' => pad(out, t.second() as i64, width),
        'S' => {
            let nanos = format!("{:09}", t.nanosecond().min(999_999_999));
            if width <= 9 {
                out.push_str(&nanos[..width]);
            } else {
                out.push_str(&nanos);
                out.extend(std::iter::repeat_n('0', width - 9));
            }
        }
        'z' => out.push_str(&zone_name(tz, offset, width >= 4)),
        'Z' => format_offset(out, offset.fix().local_minus_utc(), false, false),
        'X' => {
            let secs = offset.fix().local_minus_utc();
            if secs == 0 {
                out.push('Z');
            } else {
                format_offset(out, secs, width >= 3, width == 1);
            }
        }
        _ => {}
    }
}

fn format_offset(out: &mut String, secs: i32, colon: bool, hours_only: bool) {
    out.push(if secs < 0 { '-' } else { '+' });
    let mins = secs.unsigned_abs() / 60;
    pad(out, (mins / 60) as i64, 2);
    if hours_only {
        return;
    }
    if colon {
        out.push(':');
    }
    pad(out, (mins % 60) as i64, 2);
}

/// Java's names for zones whose tz database abbreviation is only a number.
const JAVA_NAMES: &[(&str, &str, &str, &str)] = &[
    ("Asia/Bangkok", "ICT", "ICT", "Indochina Time"),
    ("Asia/Ho_Chi_Minh", "ICT", "ICT", "Indochina Time"),
    ("Asia/Phnom_Penh", "ICT", "ICT", "Indochina Time"),
    ("Asia/Vientiane", "ICT", "ICT", "Indochina Time"),
    ("Asia/Singapore", "SGT", "SGT", "Singapore Time"),
    ("Asia/Kuala_Lumpur", "MYT", "MYT", "Malaysia Time"),
    ("Asia/Dubai", "GST", "GST", "Gulf Standard Time"),
    ("Asia/Kolkata", "IST", "IST", "India Standard Time"),
    ("Asia/Calcutta", "IST", "IST", "India Standard Time"),
    ("Asia/Tokyo", "JST", "JST", "Japan Standard Time"),
    ("Asia/Shanghai", "CST", "CST", "China Standard Time"),
    ("America/Sao_Paulo", "BRT", "BRST", "Brasilia Time"),
    ("America/Argentina/Buenos_Aires", "ART", "ARST", "Argentina Time"),
    ("UTC", "UTC", "UTC", "Coordinated Universal Time"),
    ("Etc/UTC", "UTC", "UTC", "Coordinated Universal Time"),
];

/// Long names Java prints for `zzzz`, by short name.
const LONG_NAMES: &[(&str, &str)] = &[
    ("PST", "Pacific Standard Time"),
    ("PDT", "Pacific Daylight Time"),
    ("MST", "Mountain Standard Time"),
    ("MDT", "Mountain Daylight Time"),
    ("CST", "Central Standard Time"),
    ("CDT", "Central Daylight Time"),
    ("EST", "Eastern Standard Time"),
    ("EDT", "Eastern Daylight Time"),
    ("GMT", "Greenwich Mean Time"),
    ("BST", "British Summer Time"),
    ("CET", "Central European Time"),
    ("CEST", "Central European Summer Time"),
    ("EET", "Eastern European Time"),
    ("EEST", "Eastern European Summer Time"),
    ("AEST", "Australian Eastern Standard Time"),
    ("AEDT", "Australian Eastern Daylight Time"),
    ("SAST", "South Africa Standard Time"),
    ("HKT", "Hong Kong Time"),
    ("KST", "Korea Standard Time"),
];

/// Java's name of `tz` at an instant with `offset`: Java names a zone by
/// today's rules, so a date in local mean time (before the zone had standard
/// time) still gets the standard name.
fn zone_name(tz: &Tz, offset: &<Tz as TimeZone>::Offset, long: bool) -> String {
    let dst = offset.dst_offset() != Duration::zero();
    let short = match JAVA_NAMES.iter().find(|(name, ..)| *name == tz.name()) {
        Some((_, std, dst_name, long_name)) => {
            if long {
                return long_name.to_string();
            }
            if dst { dst_name.to_string() } else { std.to_string() }
        }
        None => {
            let abbr = offset.abbreviation().unwrap_or("");
            if abbr.is_empty() || abbr == "LMT" || abbr.starts_with(['+', '-']) {
                modern_name(tz, dst)
            } else {
                abbr.to_string()
            }
        }
    };
    match LONG_NAMES.iter().find(|(s, _)| *s == short) {
        Some((_, l)) if long => l.to_string(),
        _ => short,
    }
}

/// The zone's name in 2020 in standard (or daylight) time; `GMT+hh:mm` when
/// the tz database has only a number for it, as Java prints unnamed zones.
fn modern_name(tz: &Tz, dst: bool) -> String {
    let probes = [(2020, 1, 15), (2020, 7, 15)];
    let mut fallback = None;
    for (y, m, d) in probes {
        let Some(t) = NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(12, 0, 0)) else {
            continue;
        };
        let o = tz.offset_from_utc_datetime(&t);
        let is_dst = o.dst_offset() != Duration::zero();
        if is_dst == dst || fallback.is_none() {
            let abbr = o.abbreviation().unwrap_or("").to_string();
            let name = if abbr.is_empty() || abbr.starts_with(['+', '-']) {
                let mut s = String::from("GMT");
                format_offset(&mut s, o.fix().local_minus_utc(), true, false);
                s
            } else {
                abbr
            };
            if is_dst == dst {
                return name;
            }
            fallback = Some(name);
        }
    }
    fallback.unwrap_or_else(|| "GMT".into())
}

/// Fields read from a text, before they are put together.
#[derive(Debug, Default)]
struct Fields {
    year: Option<i64>,
    /// Two-digit year read with `y`/`yy`: placed in the century around today.
    short_year: bool,
    month: Option<i64>,
    day: Option<i64>,
    day_of_year: Option<i64>,
    hour: Option<i64>,
    /// `h` (1-12) or `K` (0-11), completed by `a`.
    hour_of_half: Option<i64>,
    pm: Option<bool>,
    minute: Option<i64>,
    second: Option<i64>,
    nanos: Option<i64>,
    bc: bool,
    offset: Option<i32>,
}

impl Fields {
    /// The date-time these fields name; out-of-range fields roll over, as in
    /// a lenient Java calendar. Fields not read default to 1970-01-01 00:00:00.
    fn resolve(&self) -> Option<NaiveDateTime> {
        let mut year = self.year.unwrap_or(1970);
        if self.short_year {
            let now = chrono::Utc::now().naive_utc();
            let this = now.year() as i64;
            let start = this - 80;
            let century = start - start.rem_euclid(100);
            year += century;
            if year < start {
                year += 100;
            }
        }
        if self.bc {
            year = 1 - year;
        }
        let year = i32::try_from(year).ok()?;
        let mut date = NaiveDate::from_ymd_opt(year, 1, 1)?;
        if let Some(doy) = self.day_of_year.filter(|_| self.month.is_none() && self.day.is_none()) {
            date = date.checked_add_signed(Duration::days(doy - 1))?;
        } else {
            let months = self.month.unwrap_or(1) - 1;
            date = add_months_raw(date, months)?;
            date = date.checked_add_signed(Duration::days(self.day.unwrap_or(1) - 1))?;
        }
        let hour = match (self.hour, self.hour_of_half) {
            (_, Some(h)) => h % 12 + if self.pm == Some(true) { 12 } else { 0 },
            (Some(h), None) => h,
            (None, None) => {
                if self.pm == Some(true) {
                    12
                } else {
                    0
                }
            }
        };
        let secs = hour * 3600 + self.minute.unwrap_or(0) * 60 + self.second.unwrap_or(0);
        let t = date.and_time(NaiveTime::MIN);
        t.checked_add_signed(Duration::seconds(secs))?
            .checked_add_signed(Duration::nanoseconds(self.nanos.unwrap_or(0)))
    }
}

/// `date` plus `months` months; the day is kept (date here is a first of month).
fn add_months_raw(date: NaiveDate, months: i64) -> Option<NaiveDate> {
    let total = date.year() as i64 * 12 + date.month0() as i64 + months;
    let y = i32::try_from(total.div_euclid(12)).ok()?;
    NaiveDate::from_ymd_opt(y, total.rem_euclid(12) as u32 + 1, date.day())
}

fn match_literal<'a>(text: &'a str, lit: &str) -> Option<&'a str> {
    // Java lets a space in the pattern match any run of white space.
    let mut rest = text;
    for c in lit.chars() {
        if c.is_whitespace() {
            let trimmed = rest.trim_start();
            if trimmed.len() == rest.len() {
                return None;
            }
            rest = trimmed;
        } else {
            rest = rest.strip_prefix(c)?;
        }
    }
    Some(rest)
}

/// Reads a number: exactly `width` digits when `fixed`, else all digits
/// (with a sign where `signed`).
fn take_number(text: &str, width: usize, fixed: bool, signed: bool) -> Option<(i64, usize, &str)> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) if signed => (true, b),
        _ => (false, text),
    };
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    let n = if fixed { width.min(digits) } else { digits };
    if n == 0 {
        return None;
    }
    let v: i64 = body[..n].parse().ok()?;
    Some((if neg { -v } else { v }, n, &body[n..]))
}

/// Matches one of `names` (full, then three-letter) in any case; returns its index.
fn take_name<'a>(text: &'a str, names: &[&str]) -> Option<(usize, &'a str)> {
    let lower = text.to_ascii_lowercase();
    for (i, name) in names.iter().enumerate() {
        if lower.starts_with(&name.to_ascii_lowercase()) {
            return Some((i, &text[name.len()..]));
        }
    }
    for (i, name) in names.iter().enumerate() {
        if lower.starts_with(&name[..3].to_ascii_lowercase()) {
            return Some((i, &text[3..]));
        }
    }
    None
}

fn parse_field<'a>(text: &'a str, letter: char, width: usize, abutting: bool, f: &mut Fields) -> Option<&'a str> {
    let fixed = abutting;
    match letter {
        'G' => {
            let lower = text.get(..2)?.to_ascii_lowercase();
            f.bc = match lower.as_str() {
                "ad" => false,
                "bc" => true,
                _ => return None,
            };
            Some(&text[2..])
        }
        'y' | 'Y' => {
            let (v, n, rest) = take_number(text, width, fixed, true)?;
            f.year = Some(v);
            f.short_year = width <= 2 && n == 2 && v >= 0;
            Some(rest)
        }
        'M' | 'L' if width >= 3 => {
            let (i, rest) = take_name(text, &MONTHS)?;
            f.month = Some(i as i64 + 1);
            Some(rest)
        }
        'E' => {
            let (_, rest) = take_name(text, &WEEKDAYS)?;
            Some(rest)
        }
        'a' => {
            let lower = text.get(..2)?.to_ascii_lowercase();
            f.pm = Some(match lower.as_str() {
                "am" => false,
                "pm" => true,
                _ => return None,
            });
            Some(&text[2..])
        }
        'z' | 'Z' | 'X' => {
            let (secs, rest) = parse_zone(text)?;
            f.offset = Some(secs);
            Some(rest)
        }
        _ => {
            let (v, _, rest) = take_number(text, width, fixed, false)?;
            match letter {
                'M' | 'L' => f.month = Some(v),
                'd' => f.day = Some(v),
                'D' => f.day_of_year = Some(v),
                'H' => f.hour = Some(v),
                'k' => f.hour = Some(if v == 24 { 0 } else { v }),
                'h' | 'K' => f.hour_of_half = Some(v),
                'm' => f.minute = Some(v),
                's' => f.second = Some(v),
                // Java reads `S` as milliseconds whatever its width.
                'S' => f.nanos = Some(v * 1_000_000),
                // Week fields and day numbers do not change the date read.
                _ => {}
            }
            Some(rest)
        }
    }
}

/// `Z`, `UTC`, `GMT`, `GMT+08:00`, `+0800`, `-08:00`, `+08`, or a short name
/// of a fixed US zone; returns the offset in seconds east of UTC.
fn parse_zone(text: &str) -> Option<(i32, &str)> {
    if let Some(rest) = text.strip_prefix('Z') {
        return Some((0, rest));
    }
    let upper = text.get(..3).map(str::to_ascii_uppercase);
    if let Some(u) = upper.as_deref() {
        if u == "GMT" || u == "UTC" {
            let rest = &text[3..];
            return Some(parse_numeric_offset(rest).unwrap_or((0, rest)));
        }
        let named =
            [("PST", -8), ("PDT", -7), ("MST", -7), ("MDT", -6), ("CST", -6), ("CDT", -5), ("EST", -5), ("EDT", -4)];
        if let Some((_, h)) = named.iter().find(|(n, _)| *n == u) {
            return Some((h * 3600, &text[3..]));
        }
    }
    parse_numeric_offset(text)
}

fn parse_numeric_offset(text: &str) -> Option<(i32, &str)> {
    let sign = match text.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let body = &text[1..];
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    let (h, m, used) = if digits >= 4 {
        (body[..2].parse::<i32>().ok()?, body[2..4].parse::<i32>().ok()?, 4)
    } else if digits >= 1 && body[digits..].starts_with(':') {
        let m_digits = body[digits + 1..].bytes().take_while(u8::is_ascii_digit).count();
        if m_digits != 2 {
            return None;
        }
        let h = body[..digits].parse::<i32>().ok()?;
        (h, body[digits + 1..digits + 3].parse::<i32>().ok()?, digits + 3)
    } else if digits >= 1 {
        (body[..digits.min(2)].parse::<i32>().ok()?, 0, digits.min(2))
    } else {
        return None;
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some((sign * (h * 3600 + m * 60), &body[used..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn fmt(pattern: &str, t: &str, tz: Tz) -> String {
        JavaDatePattern::parse(pattern).unwrap().format_local(&dt(t), &tz)
    }

    #[test]
    fn tokens() {
        let p = JavaDatePattern::parse("yyyy-MM-dd'T'HH 'o''clock'").unwrap();
        assert_eq!(
            p.tokens()[..3],
            [
                Token::Field { letter: 'y', width: 4 },
                Token::Literal("-".into()),
                Token::Field { letter: 'M', width: 2 },
            ]
        );
        assert!(p.tokens().contains(&Token::Literal(" o'clock".into())));
        assert!(JavaDatePattern::parse("B").is_err());
        assert!(JavaDatePattern::parse("'open").is_err());
        assert_eq!(JavaDatePattern::parse("").unwrap().tokens(), &[]);
    }

    #[test]
    fn format_fields() {
        let utc = chrono_tz::UTC;
        let t = "2015-04-08 21:30:45.123456789";
        assert_eq!(
            fmt("E EEEE G y Y yy MMM MMMM M w W D d u F", t, utc),
            "Wed Wednesday AD 2015 2015 15 Apr April 4 15 2 98 8 3 2"
        );
        assert_eq!(fmt("HH hh a KK kk mm ss S SSS SSSSSS", t, utc), "21 09 PM 09 21 30 45 1 123 123456");
        assert_eq!(fmt("dd---MM--yyyy", "1001-01-05 00:00:00", utc), "05---01--1001");
        assert_eq!(fmt("yyyy-MM-dd HH:mm:ss", "0001-01-01 00:00:00", utc), "0001-01-01 00:00:00");
        // The last days of December are in week 1 of the next week-year.
        assert_eq!(fmt("YYYY w", "2015-12-31 00:00:00", utc), "2016 1");
        assert_eq!(fmt("YYYY-MM-dd", "2016-02-29 00:00:00", utc), "2016-02-29");
    }

    #[test]
    fn format_zones() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        assert_eq!(fmt("z Z XXX X", "2015-01-08 10:00:00", la), "PST -0800 -08:00 -08");
        assert_eq!(fmt("z zzzz", "2015-07-08 10:00:00", la), "PDT Pacific Daylight Time");
        let bkk: Tz = "Asia/Bangkok".parse().unwrap();
        assert_eq!(fmt("z", "1400-01-14 01:00:00", bkk), "ICT");
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(fmt("z", "2015-04-08 10:30:45", berlin), "CEST");
        let syd: Tz = "Australia/Sydney".parse().unwrap();
        assert_eq!(fmt("z", "2015-04-08 10:30:45", syd), "AEST");
        assert_eq!(fmt("X", "2015-04-08 10:30:45", chrono_tz::UTC), "Z");
    }

    fn parse(pattern: &str, text: &str) -> Option<NaiveDateTime> {
        JavaDatePattern::parse(pattern).unwrap().parse_local(text).map(|(t, _)| t)
    }

    #[test]
    fn parse_lenient() {
        assert_eq!(parse("yyyy-MM-dd", "2009-03-20"), Some(dt("2009-03-20 00:00:00")));
        // Text after the pattern is ignored.
        assert_eq!(parse("yyyy-MM-dd", "2009-03-20 11:30:01"), Some(dt("2009-03-20 00:00:00")));
        assert_eq!(parse("yyyy MMM dd h:mm:ss a", "2009 Mar 20 11:30:01 am"), Some(dt("2009-03-20 11:30:01")));
        assert_eq!(parse("yyyy MMM dd h:mm:ss a", "2009 march 20 12:30:01 PM"), Some(dt("2009-03-20 12:30:01")));
        // Out-of-range fields roll over.
        assert_eq!(parse("yyyy-MM-dd", "2009-13-32"), Some(dt("2010-02-01 00:00:00")));
        // Abutting numeric fields take their widths.
        assert_eq!(parse("yyyyMMddHHmmss", "20090320113001"), Some(dt("2009-03-20 11:30:01")));
        assert_eq!(parse("yyyy-M-d", "2009-3-5"), Some(dt("2009-03-05 00:00:00")));
        assert_eq!(parse("HH:mm", "10:30"), Some(dt("1970-01-01 10:30:00")));
        assert_eq!(parse("yyyy-MM-dd", "random"), None);
        assert_eq!(parse("yyyy-MM-dd", "2009/03/20"), None);
        assert!(parse("yy-MM-dd", "95-01-01").unwrap().year() > 1900);
    }

    #[test]
    fn parse_zones() {
        let p = JavaDatePattern::parse("yyyy-MM-dd HH:mm Z").unwrap();
        assert_eq!(p.parse_local("2009-03-20 10:00 +0530").unwrap().1, Some(5 * 3600 + 1800));
        let p = JavaDatePattern::parse("yyyy-MM-dd HH:mm z").unwrap();
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let t = p.parse_datetime("2009-03-20 10:00 UTC", &la).unwrap();
        assert_eq!(t.timestamp(), 1237543200);
        let t = JavaDatePattern::parse("yyyy-MM-dd").unwrap().parse_datetime("2009-03-20", &la).unwrap();
        assert_eq!(t.timestamp(), 1237532400);
    }
}
