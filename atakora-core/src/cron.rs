//! NCRONTAB schedules, as the Azure Functions timer trigger reads them: six fields
//! (`{second} {minute} {hour} {day} {month} {day-of-week}`), evaluated in UTC (Flex
//! Consumption has no time zone setting). One copy: the parser's check (`timer("...")`) and the
//! local engine's clock both use [`Schedule`].
//!
//! Each field is `*`, a value, a range `a-b`, a step `*/n` or `a-b/n`, or a comma-separated
//! list of those. Months may be `JAN`–`DEC`, days of week `SUN`–`SAT` (0 = Sunday, 0–6). The
//! Quartz extensions `?`, `L`, `#` and `W` are not NCRONTAB and are refused.

/// A parsed schedule: the allowed values of each field, as bit sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    seconds: u64,
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
}

/// Why a schedule is not NCRONTAB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    /// Five fields: a classic cron expression, without NCRONTAB's leading seconds.
    FiveFields,
    /// Neither five nor six fields.
    FieldCount(usize),
    /// A Quartz extension (`?`, `L`, `#`, `W`) in the named field.
    Quartz {
        /// The field's name (`day-of-week`).
        field: &'static str,
        /// The offending element.
        element: String,
    },
    /// An element that is not a value, range or step of its field.
    Element {
        /// The field's name.
        field: &'static str,
        /// The offending element.
        element: String,
        /// The field's range of values.
        range: (u32, u32),
    },
}

/// The six fields: name, smallest and largest value, and the names values may have.
const FIELDS: [(&str, u32, u32, &[&str]); 6] = [
    ("second", 0, 59, &[]),
    ("minute", 0, 59, &[]),
    ("hour", 0, 23, &[]),
    ("day", 1, 31, &[]),
    (
        "month",
        1,
        12,
        &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    ),
    ("day-of-week", 0, 6, &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
];

impl Schedule {
    /// Parse a six-field NCRONTAB expression.
    pub fn parse(expression: &str) -> Result<Schedule, ScheduleError> {
        let fields: Vec<&str> = expression.split_whitespace().collect();
        match fields.len() {
            6 => {}
            5 => return Err(ScheduleError::FiveFields),
            n => return Err(ScheduleError::FieldCount(n)),
        }
        let mut sets = [0u64; 6];
        for (i, text) in fields.iter().enumerate() {
            sets[i] = field(text, FIELDS[i])?;
        }
        let [seconds, minutes, hours, days, months, weekdays] = sets;
        Ok(Schedule {
            seconds,
            minutes,
            hours,
            days,
            months,
            weekdays,
        })
    }

    /// The first instant strictly after `after` (Unix seconds, UTC) that the schedule
    /// matches, or `None` when none comes within the next eight years (e.g. `30 FEB`).
    pub fn next_after(&self, after: i64) -> Option<i64> {
        let limit = after + 8 * 366 * 86_400;
        let mut t = after + 1;
        while t <= limit {
            let days = t.div_euclid(86_400);
            let (_, month, day) = civil_from_days(days);
            // 1970-01-01 was a Thursday (4).
            let weekday = (days + 4).rem_euclid(7) as u32;
            if !has(self.months, month) || !has(self.days, day) || !has(self.weekdays, weekday) {
                t = (days + 1) * 86_400;
                continue;
            }
            let second_of_day = t.rem_euclid(86_400);
            let (hour, minute, second) = (second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60);
            if !has(self.hours, hour as u32) {
                t = days * 86_400 + (hour + 1) * 3600;
                continue;
            }
            if !has(self.minutes, minute as u32) {
                t = days * 86_400 + hour * 3600 + (minute + 1) * 60;
                continue;
            }
            if !has(self.seconds, second as u32) {
                t += 1;
                continue;
            }
            return Some(t);
        }
        None
    }
}

fn has(set: u64, value: u32) -> bool {
    set & (1 << value) != 0
}

/// One field's set of values.
fn field(text: &str, (name, min, max, names): (&'static str, u32, u32, &[&str])) -> Result<u64, ScheduleError> {
    let mut set = 0u64;
    for element in text.split(',') {
        let quartz = element.contains(['?', '#'])
            || element.ends_with(['L', 'W', 'l', 'w']) && !names.iter().any(|n| element.eq_ignore_ascii_case(n))
            || element.eq_ignore_ascii_case("L");
        if quartz {
            return Err(ScheduleError::Quartz {
                field: name,
                element: element.to_string(),
            });
        }
        let bad = || ScheduleError::Element {
            field: name,
            element: element.to_string(),
            range: (min, max),
        };
        let value = |v: &str| -> Result<u32, ScheduleError> {
            let n = match names.iter().position(|n| v.eq_ignore_ascii_case(n)) {
                Some(i) => i as u32 + min,
                None => v.parse::<u32>().map_err(|_| bad())?,
            };
            if (min..=max).contains(&n) { Ok(n) } else { Err(bad()) }
        };
        let (range, step) = match element.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(bad)?),
            None => (element, 1),
        };
        let (from, to) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else if element.contains('/') {
            // `5/15` is Quartz's "from 5 every 15": NCRONTAB steps a range or `*`.
            return Err(bad());
        } else {
            let v = value(range)?;
            (v, v)
        };
        if from > to {
            return Err(bad());
        }
        let mut v = from;
        while v <= to {
            set |= 1 << v;
            v += step;
        }
    }
    Ok(set)
}

/// Howard Hinnant's `civil_from_days`: (year, month 1–12, day 1–31) of a day count since
/// 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_five_minutes() {
        let s = Schedule::parse("0 */5 * * * *").unwrap();
        // 2026-12-01T00:00:00Z = 1796083200.
        assert_eq!(s.next_after(1_796_083_200), Some(1_796_083_200 + 300));
        assert_eq!(s.next_after(1_796_083_200 + 299), Some(1_796_083_200 + 300));
    }

    #[test]
    fn weekdays_count_from_sunday_zero() {
        // 09:30 on weekdays; 2026-12-05 is a Saturday: the next is Monday 2026-12-07.
        let s = Schedule::parse("0 30 9 * * 1-5").unwrap();
        let saturday_noon = 1_796_083_200 + 4 * 86_400 + 12 * 3600;
        assert_eq!(
            s.next_after(saturday_noon),
            Some(1_796_083_200 + 6 * 86_400 + 9 * 3600 + 1800)
        );
        assert_eq!(Schedule::parse("0 0 0 * * SUN"), Schedule::parse("0 0 0 * * 0"));
        assert_eq!(Schedule::parse("0 0 0 1 JAN *"), Schedule::parse("0 0 0 1 1 *"));
    }

    #[test]
    fn impossible_dates_never_come() {
        assert_eq!(Schedule::parse("0 0 0 30 2 *").unwrap().next_after(0), None);
    }

    #[test]
    fn refusals() {
        assert_eq!(Schedule::parse("*/5 * * * *"), Err(ScheduleError::FiveFields));
        assert_eq!(Schedule::parse("* * *"), Err(ScheduleError::FieldCount(3)));
        for (expr, element) in [
            ("0 0 0 ? * *", "?"),
            ("0 0 0 L * *", "L"),
            ("0 0 0 * * 5#3", "5#3"),
            ("0 0 0 15W * *", "15W"),
            ("0 0 0 * * 5L", "5L"),
        ] {
            assert!(
                matches!(Schedule::parse(expr), Err(ScheduleError::Quartz { element: e, .. }) if e == element),
                "{expr}"
            );
        }
        for expr in [
            "60 * * * * *",
            "0 0 24 * * *",
            "0 0 0 0 * *",
            "0 0 0 * 13 *",
            "0 0 0 * * 7",
            "0 5/15 * * * *",
            "0 */0 * * * *",
            "0 10-5 * * * *",
            "0 x * * * *",
        ] {
            assert!(
                matches!(Schedule::parse(expr), Err(ScheduleError::Element { .. })),
                "{expr}"
            );
        }
        // Names ending in L or W are names, not Quartz.
        assert!(Schedule::parse("0 0 0 * JUL WED").is_ok());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_788), (2026, 12, 1));
    }
}
