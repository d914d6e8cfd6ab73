//! The `login_throttle` table: counters of sign-in attempts per key.

use super::Db;

/// Outcome of reserving an attempt for a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt may go ahead; it is the `attempt`th within the current
    /// window, and the key is now blocked until `blocked_until` (0: not).
    Allowed { attempt: i64, blocked_until: i64 },
    /// The key is still blocked until this unix time.
    Blocked { until: i64 },
}

/// Counts an attempt for `key` before the credentials are checked and decides
/// in the same statement whether it may go ahead: a blocked key is refused and
/// not counted; otherwise the count goes up and, past `free` attempts, the key
/// is blocked for 2, 4, 8, … seconds (at most 900) from now. One statement per
/// key means parallel attempts cannot all pass before the first delay is
/// stored (SQLite serialises writers; PostgreSQL locks the conflicting row).
/// Counters idle for `window_secs` start again at 1.
pub async fn reserve(
    db: &Db,
    key: &str,
    now: i64,
    window_secs: i64,
    free: i64,
) -> Result<Reservation, sqlx::Error> {
    // With n the new count (the same CASE written out three times: SET sees
    // only old values) and k = n - $4: the delay is 0 for k <= 0, 2^k for
    // k < 10 and 900 from then on (see throttle::delay_secs).
    let row: Option<(i64, i64)> = sqlx::query_as(
        "INSERT INTO login_throttle (key, failures, last_failure_at, blocked_until) \
         VALUES ($1, 1, $2, CASE WHEN 1 > $4 THEN $2 + 2 ELSE 0 END) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 \
             ELSE login_throttle.failures + 1 END, \
           last_failure_at = $2, \
           blocked_until = CASE \
             WHEN (CASE WHEN login_throttle.last_failure_at < $3 THEN 1 \
               ELSE login_throttle.failures + 1 END) - $4 <= 0 THEN 0 \
             WHEN (CASE WHEN login_throttle.last_failure_at < $3 THEN 1 \
               ELSE login_throttle.failures + 1 END) - $4 >= 10 THEN $2 + 900 \
             ELSE $2 + (1 << CAST((CASE WHEN login_throttle.last_failure_at < $3 THEN 1 \
               ELSE login_throttle.failures + 1 END) - $4 AS INTEGER)) \
           END \
         WHERE login_throttle.blocked_until <= $2 \
         RETURNING failures, blocked_until",
    )
    .bind(key)
    .bind(now)
    .bind(now - window_secs)
    .bind(free)
    .fetch_optional(db)
    .await?;
    if let Some((attempt, blocked_until)) = row {
        return Ok(Reservation::Allowed {
            attempt,
            blocked_until,
        });
    }
    let (until,): (i64,) =
        sqlx::query_as("SELECT blocked_until FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_one(db)
            .await?;
    Ok(Reservation::Blocked { until })
}

/// Takes back one counted attempt of `key` (it turned out to be a success).
/// A delay already set stays.
pub async fn give_back(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0")
        .bind(key)
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

/// Deletes counters idle since before `idle_before` whose delay has passed.
pub async fn purge(db: &Db, idle_before: i64, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM login_throttle WHERE last_failure_at < $1 AND blocked_until <= $2",
    )
    .bind(idle_before)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
