//! Every SQL statement Tessera runs lives below this module.
//!
//! The pool is sqlx's `Any` driver so one set of queries serves SQLite and
//! PostgreSQL: placeholders are `$1, $2, …` in order of first use (SQLite numbers
//! them the same way), timestamps are BIGINT unix seconds and ids are TEXT.

pub mod api_tokens;
pub mod audit;
pub mod avatars;
pub mod notifications;
pub mod outbox;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod tokens;
pub mod two_factor;
pub mod users;

use sqlx::any::AnyPoolOptions;
use sqlx::Executor;
use std::time::Duration;

pub type Db = sqlx::AnyPool;

/// Opens the database named by `url`, applies the embedded migrations and returns the pool.
pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let is_sqlite = url.starts_with("sqlite:");
    let pool = AnyPoolOptions::new()
        .max_connections(if is_sqlite { 8 } else { 16 })
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if is_sqlite {
                    // Per-connection settings: enforce foreign keys, wait on a busy
                    // writer instead of failing, fsync less often (safe under WAL).
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?;
    if is_sqlite {
        // WAL is a property of the database file: readers never block the writer.
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await?;
    }
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// Cheap query for `/readyz`.
pub async fn ping(db: &Db) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(db).await.map(|_| ())
}

/// Current time in unix seconds, the unit of every timestamp column.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A new primary key: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
