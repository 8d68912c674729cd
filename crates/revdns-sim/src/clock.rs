//! Wall-clock helpers: epoch seconds and the timestamp formats each API uses.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

/// Seconds since the Unix epoch, now.
pub(crate) fn epoch_now() -> i64 {
    epoch(SystemTime::now())
}

/// Seconds since the Unix epoch at `t` (0 before the epoch).
pub(crate) fn epoch(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Whole seconds of `d`, rounded up, so a lifetime never ends early.
pub(crate) fn ceil_secs(d: Duration) -> i64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// IONOS metadata dates: `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`.
pub(crate) fn ionos_timestamp(t: SystemTime) -> String {
    DateTime::<Utc>::from(t)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// ECL DNS timestamps carry no zone: `2016-10-11T02:07:49`.
pub(crate) fn ecl_timestamp(t: SystemTime) -> String {
    DateTime::<Utc>::from(t)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// Keystone token times: `2015-08-27T09:49:58.000000Z`.
pub(crate) fn keystone_timestamp(t: SystemTime) -> String {
    DateTime::<Utc>::from(t)
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_each_api() {
        let t = UNIX_EPOCH + Duration::from_millis(1_476_151_669_123);
        assert_eq!(ionos_timestamp(t), "2016-10-11T02:07:49.123Z");
        assert_eq!(ecl_timestamp(t), "2016-10-11T02:07:49");
        assert_eq!(keystone_timestamp(t), "2016-10-11T02:07:49.123000Z");
        assert_eq!(epoch(t), 1_476_151_669);
    }

    #[test]
    fn ceil_secs_rounds_up_fractions_only() {
        assert_eq!(ceil_secs(Duration::ZERO), 0);
        assert_eq!(ceil_secs(Duration::from_millis(1)), 1);
        assert_eq!(ceil_secs(Duration::from_secs(60)), 60);
    }
}
