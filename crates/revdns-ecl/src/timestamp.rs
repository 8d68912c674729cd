//! RFC 3339 date-times, as Keystone writes `issued_at` and `expires_at`
//! (`2015-08-27T09:49:58.000000Z`), read into nanoseconds since the Unix
//! epoch. Only the token lifetime needs them, so a few lines here instead of
//! a date library.

use std::time::{SystemTime, UNIX_EPOCH};

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// Nanoseconds since 1970-01-01T00:00:00Z of an RFC 3339 date-time
/// (section 5.6: `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or an
/// offset `±HH:MM`; `t`, `z` and a space for the `T` are taken too), or
/// `None` when `text` is not one. A leap second (`:60`) counts as the next
/// second's start.
pub(crate) fn unix_nanos(text: &str) -> Option<i128> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        b.get(from..from + len)?.iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let separators_ok = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
        && b[16] == b':';
    if !separators_ok {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }

    let mut rest = &b[19..];
    let mut fraction_nanos: i128 = 0;
    if let [b'.', after @ ..] = rest {
        let len = after.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        // Nanosecond precision: later digits are dropped.
        let mut scale = NANOS_PER_SEC;
        for &c in &after[..len.min(9)] {
            scale /= 10;
            fraction_nanos += i128::from(c - b'0') * scale;
        }
        rest = &after[len..];
    }
    let offset_minutes: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |hi: u8, lo: u8| {
                (hi.is_ascii_digit() && lo.is_ascii_digit())
                    .then(|| i64::from(hi - b'0') * 10 + i64::from(lo - b'0'))
            };
            let (h, m) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'-' {
                -(h * 60 + m)
            } else {
                h * 60 + m
            }
        }
        _ => return None,
    };

    let seconds = days_since_epoch(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second
        - offset_minutes * 60;
    Some(i128::from(seconds) * NANOS_PER_SEC + fraction_nanos)
}

/// Nanoseconds since the Unix epoch now (negative before it).
pub(crate) fn now_unix_nanos() -> i128 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => -i128::try_from(before.duration().as_nanos()).unwrap_or(i128::MAX),
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to `year-month-day` (negative before), in the
/// proleptic Gregorian calendar. Years have four digits, so counting them
/// one by one costs little.
fn days_since_epoch(year: i64, month: i64, day: i64) -> i64 {
    let year_days = |y: i64| if is_leap(y) { 366 } else { 365 };
    let years: i64 = if year >= 1970 {
        (1970..year).map(year_days).sum()
    } else {
        -(year..1970).map(year_days).sum::<i64>()
    };
    let months: i64 = (1..month).map(|m| days_in_month(year, m)).sum();
    years + months + day - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> Option<i128> {
        unix_nanos(text).map(|n| n.div_euclid(NANOS_PER_SEC))
    }

    #[test]
    fn known_instants() {
        assert_eq!(unix_nanos("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(secs("1969-12-31T23:59:59Z"), Some(-1));
        assert_eq!(secs("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(secs("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(secs("2100-03-01T00:00:00Z"), Some(4_107_542_400));
        assert_eq!(secs("1900-03-01T00:00:00Z"), Some(-2_203_891_200));
        // The simulator's Keystone and IONOS formats of one instant.
        let at = 1_476_151_669_123_000_000;
        assert_eq!(unix_nanos("2016-10-11T02:07:49.123000Z"), Some(at));
        assert_eq!(unix_nanos("2016-10-11T02:07:49.123Z"), Some(at));
    }

    #[test]
    fn offsets_and_fractions() {
        let utc = unix_nanos("2016-10-11T02:07:49Z").unwrap();
        assert_eq!(unix_nanos("2016-10-11T04:37:49+02:30"), Some(utc));
        assert_eq!(unix_nanos("2016-10-10T21:07:49-05:00"), Some(utc));
        assert_eq!(unix_nanos("2016-10-11t02:07:49z"), Some(utc));
        assert_eq!(unix_nanos("2016-10-11 02:07:49+00:00"), Some(utc));
        assert_eq!(
            unix_nanos("2016-10-11T02:07:49.5Z"),
            Some(utc + 500_000_000)
        );
        assert_eq!(
            unix_nanos("2016-10-11T02:07:49.0000000019Z"),
            Some(utc + 1),
            "digits past nanoseconds are dropped"
        );
        assert_eq!(
            unix_nanos("2016-12-31T23:59:60Z"),
            secs("2017-01-01T00:00:00Z").map(|s| s * NANOS_PER_SEC)
        );
    }

    #[test]
    fn what_is_not_rfc_3339() {
        for text in [
            "",
            "not a date",
            "2016-10-11",
            "2016-10-11T02:07:49",
            "2016-10-11T02:07:49.Z",
            "2016-10-11T02:07:49+0200",
            "2016-10-11T02:07:49+24:00",
            "2016-10-11T02:07:49Z ",
            "2016-13-01T00:00:00Z",
            "2016-00-01T00:00:00Z",
            "2015-02-29T00:00:00Z",
            "2016-04-31T00:00:00Z",
            "2016-10-11T24:00:00Z",
            "2016-10-11T02:60:00Z",
            "2016-10-11T02:07:61Z",
            "2016/10/11T02:07:49Z",
            "+016-10-11T02:07:49Z",
            "２016-10-11T02:07:49Z",
        ] {
            assert_eq!(unix_nanos(text), None, "{text:?}");
        }
    }

    #[test]
    fn now_is_after_2020() {
        assert!(now_unix_nanos() > unix_nanos("2020-01-01T00:00:00Z").unwrap());
    }
}
