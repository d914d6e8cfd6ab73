//! Timestamps as people read them: in the user's time zone.
//!
//! Stored times are unix seconds (UTC). Until per-user time zones exist every
//! time is shown in UTC, labelled as such so nobody mistakes it for local time.

/// "2026-11-22 10:05 UTC".
pub fn format(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn known_instants() {
        assert_eq!(format(0), "1970-01-01 00:00 UTC");
        assert_eq!(format(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format(1_795_349_100), "2026-11-22 12:05 UTC");
        assert_eq!(format(-1), "1969-12-31 23:59 UTC");
    }
}
