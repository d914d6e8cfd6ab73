//! The `login_throttle` table: counters of sign-in attempts per key.

use super::Db;

/// Outcome of reserving an attempt for a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt may go ahead; it is the `n`th within the current window.
    Allowed { attempt: i64 },
    /// The key is still blocked until this unix time.
    Blocked { until: i64 },
}

/// Counts an attempt for `key` before the credentials are checked, so parallel
/// guesses are counted too. Counters older than `window_secs` start again at 1.
/// A key that is blocked is not counted again (waiting out the delay is enough).
pub async fn reserve(
    db: &Db,
    key: &str,
    now: i64,
    window_secs: i64,
) -> Result<Reservation, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO login_throttle (key, failures, last_failure_at, blocked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
           last_failure_at = $2 \
         WHERE login_throttle.blocked_until <= $2 \
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .bind(now - window_secs)
    .fetch_optional(db)
    .await?;
    if let Some((attempt,)) = row {
        return Ok(Reservation::Allowed { attempt });
    }
    let (until,): (i64,) =
        sqlx::query_as("SELECT blocked_until FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_one(db)
            .await?;
    Ok(Reservation::Blocked { until })
}

/// Blocks `key` until `until` (the delay before its next attempt).
pub async fn block_until(db: &Db, key: &str, until: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE login_throttle SET blocked_until = $1 WHERE key = $2")
        .bind(until)
        .bind(key)
        .execute(db)
        .await
        .map(|_| ())
}

/// Takes back one counted attempt of `key` (it turned out to be a success), and
/// lifts its delay once the count is back within the `free` allowance.
pub async fn forgive(db: &Db, key: &str, free: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE login_throttle SET failures = failures - 1, \
         blocked_until = CASE WHEN failures - 1 <= $2 THEN 0 ELSE blocked_until END \
         WHERE key = $1 AND failures > 0",
    )
    .bind(key)
    .bind(free)
    .execute(db)
    .await
    .map(|_| ())
}

/// Forgets the counter of `key` (after a successful sign-in to that account).
pub async fn clear(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(db)
        .await
        .map(|_| ())
}
