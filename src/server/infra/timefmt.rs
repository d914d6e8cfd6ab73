//! Timestamps as people read them: in the user's time zone.

use crate::lang::Locale;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Unix seconds `ts` in the IANA zone `tz` (UTC when the name is unknown), as
/// readers of `l` write dates: "2026-11-22 11:05 CET", "22.11.2026 11:05 CET".
pub fn format(ts: i64, tz: &str, l: Locale) -> String {
    let zone: Tz = tz.parse().unwrap_or(Tz::UTC);
    let pattern = match l {
        Locale::en => "%Y-%m-%d %H:%M %Z",
        Locale::de => "%d.%m.%Y %H:%M %Z",
    };
    match DateTime::<Utc>::from_timestamp(ts, 0) {
        Some(t) => t.with_timezone(&zone).format(pattern).to_string(),
        None => String::new(),
    }
}

/// Whether `tz` is an IANA time zone name we know.
pub fn is_known_zone(tz: &str) -> bool {
    tz.parse::<Tz>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_offers_exactly_the_zones_chrono_tz_knows() {
        let mut known: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
        known.sort_unstable();
        assert_eq!(crate::time_zones::ALL, known.as_slice());
    }

    #[test]
    fn german_readers_get_day_month_year() {
        assert_eq!(format(0, "UTC", Locale::de), "01.01.1970 00:00 UTC");
    }

    #[test]
    fn known_instants_in_zones() {
        assert_eq!(format(0, "UTC", Locale::en), "1970-01-01 00:00 UTC");
        assert_eq!(
            format(1_795_349_100, "UTC", Locale::en),
            "2026-11-22 12:05 UTC"
        );
        assert_eq!(
            format(1_795_349_100, "Europe/Berlin", Locale::en),
            "2026-11-22 13:05 CET"
        );
        assert_eq!(
            format(1_783_000_000, "Europe/Berlin", Locale::en),
            "2026-07-02 15:46 CEST"
        );
        assert_eq!(format(0, "Not/AZone", Locale::en), "1970-01-01 00:00 UTC");
    }

    #[test]
    fn zone_names_are_checked() {
        assert!(is_known_zone("America/New_York"));
        assert!(!is_known_zone("Mars/Olympus"));
    }
}
