//! Every SQL statement Tessera runs lives below this module.
//!
//! The pool is sqlx's `Any` driver so one set of queries serves SQLite and
//! PostgreSQL: placeholders are `$1, $2, …` in order of first use (SQLite numbers
//! them the same way), timestamps are BIGINT unix seconds and ids are TEXT.

pub mod api_tokens;
pub mod audit;
pub mod avatars;
pub mod deleted_accounts;
pub mod notification_prefs;
pub mod notifications;
pub mod outbox;
pub mod page_version;
pub mod passkeys;
pub mod select;
pub mod sessions;
pub mod settings;
pub mod slack;
pub mod throttle;
pub mod tokens;
pub mod two_factor;
pub mod user_search;
pub mod users;

use sqlx::any::AnyPoolOptions;
use sqlx::Executor;
use std::time::Duration;

pub type Db = sqlx::AnyPool;

/// When a pool opens its connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connections {
    /// As requests need them (the operator's commands, tests, tools).
    OnDemand,
    /// `tessera serve` on PostgreSQL: every connection at start, kept open. A new
    /// PostgreSQL connection costs a SCRAM exchange of 4,096 HMAC rounds, which
    /// sqlx computes on the async runtime yielding every five rounds; on a busy
    /// server that took seconds, so a pool growing *under load* kept requests
    /// waiting past the acquire timeout (503s in the battery's load run). Opened at
    /// start, unloaded, they take milliseconds. SQLite opens files: on demand.
    Ahead,
}

/// Opens the database named by `url` (connections on demand), applies the
/// embedded migrations and returns the pool.
pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
    connect_with(url, Connections::OnDemand).await
}

/// [`connect`], choosing when the pool opens its connections.
pub async fn connect_with(url: &str, connections: Connections) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let is_sqlite = url.starts_with("sqlite:");
    let max = if is_sqlite { 8 } else { 16 };
    let ahead = connections == Connections::Ahead && !is_sqlite;
    let pool = AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(if ahead { max } else { 0 })
        // Kept open: no idle reaping (it would only close and reopen them); they
        // are still replaced after sqlx's default lifetime of 30 minutes, in the
        // background, one at a time.
        .idle_timeout(if ahead {
            None
        } else {
            Some(Duration::from_secs(600))
        })
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings a connection when it is handed out and again when it is
        // given back. A SQLite connection is a file in this process, with no
        // far end that could have hung up: the ping before each use was a
        // round trip to its worker thread for nothing, a third of a query's
        // hops (the one on return stays: it waits until whatever a dropped
        // query left queued is done). A PostgreSQL connection can die while
        // idle (a restarted server): it is still checked before use.
        .test_before_acquire(!is_sqlite)
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
    {
        // One connection for the schema: a start opens no more than it needs.
        let mut conn = pool.acquire().await?;
        let migrator = sqlx::migrate!("./migrations");
        if is_sqlite {
            page_version::make_way_for(&mut conn, migrator.migrations.len()).await?;
        }
        migrator.run(&mut *conn).await?;
        page_version::install(&mut conn, is_sqlite).await?;
    }
    audit::migrate_packed_actions(&pool).await?;
    if !is_sqlite {
        if let Err(e) = postgres_search_indexes(&pool).await {
            tracing::warn!(
                error = %e,
                "no trigram indexes (the pg_trgm extension is missing?): the admin's user \
                 search reads every account"
            );
        }
    }
    Ok(pool)
}

/// PostgreSQL only: trigram indexes for the admin's substring search of
/// accounts (`lower(col) LIKE '%…%'` over four columns, which a b-tree
/// cannot seek: without them PostgreSQL reads every account, ~90 ms at
/// 100,000; with them it reads the few that match). `pg_trgm` ships with
/// PostgreSQL and is a trusted extension, so the database's owner may create
/// it; where it cannot be had the search still works, by reading the table.
/// SQLite needs none of this: it searches the columns of `users_search_idx`.
async fn postgres_search_indexes(db: &Db) -> Result<(), sqlx::Error> {
    // Once they exist, a start takes no lock at all (`CREATE INDEX IF NOT
    // EXISTS` would still wait for a share lock on `users`).
    let (present,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN \
         ('users_username_trgm', 'users_email_trgm', 'users_display_name_trgm', 'users_full_name_trgm')",
    )
    .fetch_one(db)
    .await?;
    if present == 4 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    // Behind a long writer, give up (and search by reading the table) rather
    // than hold every write to `users` up while waiting.
    sqlx::query("SET LOCAL lock_timeout = '5s'")
        .execute(&mut *tx)
        .await?;
    // Servers starting together take turns (the key is arbitrary but fixed).
    sqlx::query("SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(7207150001)) AS turn")
        .execute(&mut *tx)
        .await?;
    for statement in [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS users_username_trgm ON users USING gin (lower(username) gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS users_email_trgm ON users USING gin (lower(email) gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS users_display_name_trgm ON users USING gin (lower(display_name) gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS users_full_name_trgm ON users \
         USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops)",
    ] {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// A unique index a write collided with. PostgreSQL names the index; SQLite names
/// it for expression indexes and lists the columns otherwise: both are matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UniqueKey {
    Username,
    Email,
    TokenName,
    AppPasswordName,
    /// A passkey's credential id, registered already (to anyone).
    PasskeyCredential,
}

/// Which of our unique indexes `e` violated, if it is a unique violation we know.
pub fn unique_key(e: &sqlx::Error) -> Option<UniqueKey> {
    let sqlx::Error::Database(d) = e else {
        return None;
    };
    if !d.is_unique_violation() {
        return None;
    }
    let text = format!("{} {}", d.constraint().unwrap_or(""), d.message());
    [
        (UniqueKey::Username, "users_username_key", "users.username"),
        (UniqueKey::Email, "users_email_key", "users.email"),
        (
            UniqueKey::TokenName,
            "api_tokens_user_name",
            "api_tokens.user_id, api_tokens.name",
        ),
        (
            UniqueKey::AppPasswordName,
            "app_passwords_user_name",
            "app_passwords.user_id, app_passwords.name",
        ),
        (
            UniqueKey::PasskeyCredential,
            "passkeys_credential_idx",
            "passkeys.credential_id",
        ),
    ]
    .into_iter()
    .find(|(_, index, columns)| text.contains(index) || text.contains(columns))
    .map(|(key, _, _)| key)
}

/// An account's id (UUIDv7 text) as rows carry it: not interchangeable with
/// other ids or free text, yet usable wherever a `&str` is wanted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UserId(String);

impl UserId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for UserId {
    fn from(s: String) -> UserId {
        UserId(s)
    }
}

impl From<&str> for UserId {
    fn from(s: &str) -> UserId {
        UserId(s.to_string())
    }
}

impl std::ops::Deref for UserId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for UserId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for UserId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for UserId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

/// After a password change or reset, in the caller's transaction: every session
/// of the user but `keep`, every unused mailed link and every open sign-in
/// challenge goes (whatever was started with the old password is void).
pub async fn shut_out(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    keep: Option<&str>,
) -> Result<(), sqlx::Error> {
    sessions::delete_all_for_user(&mut **tx, user_id, keep).await?;
    tokens::delete_all_unused(&mut **tx, user_id).await?;
    two_factor::delete_challenges_of(&mut **tx, user_id).await?;
    Ok(())
}

/// PostgreSQL `NOTIFY` on `channel` (other servers listen; see `api::invalidate`).
pub async fn notify(db: &Db, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(db)
        .await
        .map(|_| ())
}

/// SQLite: a consistent, compact copy of the database at `path` (`VACUUM INTO`
/// reads one snapshot; WAL keeps writers going meanwhile).
pub async fn vacuum_into(db: &Db, path: &str) -> Result<(), sqlx::Error> {
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(db)
        .await
        .map(|_| ())
}

/// Cheap query for `/readyz`.
pub async fn ping(db: &Db) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(db).await.map(|_| ())
}

/// Current time in unix seconds, the unit of every timestamp column.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A new primary key: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
