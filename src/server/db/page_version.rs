//! `users.page_version`: a number that changes whenever anything a cached
//! signed-in page of the account shows changes, so a page kept under it
//! (`infra::page_cache`) is never served after the data under it moved — on
//! any server sharing the database, whoever made the change: a server
//! function, the REST API, the command line, a background job, or SQL typed
//! by an operator.
//!
//! Triggers raise it: on `users` itself, and on every table in [`WATCHED`]
//! (their rows belong to an account through `user_id`). Changes to the
//! workspace settings raise `settings_version.version` instead, which every
//! session's query reads too (`workspace::Cached`). They are made at each
//! start ([`install`]): their syntax differs between SQLite and PostgreSQL,
//! where the migrations are shared.
//!
//! A table with a `user_id` column is either watched or listed in
//! [`UNWATCHED`] with no cached page reading it (`tests/it/page_cache.rs`
//! holds every such table to one of the two lists, so a new table needs a
//! decision).

// Every statement built here names only tables and columns of our own schema
// (the lists below and the database's catalogue): no outside input.
use sqlx::{AnyConnection, AssertSqlSafe, Connection as _};

/// Tables a cached page shows, with the columns whose changes do not count:
/// the last use of a session (written by requests, at most once a minute), a
/// token or an app password (written in batches over many accounts,
/// `api::last_used`). Counting them would make those writes lock the
/// account's row on PostgreSQL (a page request's touch against a password
/// change that ends the account's sessions: a deadlock); a kept page shows
/// them at most `page_cache_seconds` late.
pub const WATCHED: &[(&str, &[&str])] = &[
    ("sessions", &["last_seen_at", "ip"]),
    ("email_tokens", &[]),
    ("avatars", &[]),
    ("totp", &[]),
    ("recovery_codes", &[]),
    ("api_tokens", &["last_used_at", "last_used_ip"]),
    ("app_passwords", &["last_used_at", "last_used_ip"]),
    ("notifications", &[]),
    ("notification_prefs", &[]),
    ("slack_webhooks", &[]),
    ("passkeys", &[]),
];

/// Tables with a `user_id` that no cached page reads: sign-in and passkey
/// ceremonies in progress, the devices seen (for new-device notices), the
/// mail queue.
pub const UNWATCHED: &[&str] = &[
    "login_challenges",
    "webauthn_ceremonies",
    "known_devices",
    "outbox",
];

/// SQLite, before migrations run: when some are still to be applied, the
/// triggers go (made again by [`install`] after them). A trigger names its
/// table's columns and `users`, and SQLite refuses to drop a column a
/// trigger names, or to rename a rebuilt table into place under one.
pub async fn make_way_for(conn: &mut AnyConnection, migrations: usize) -> Result<(), sqlx::Error> {
    let (has_table,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if has_table == 0 {
        return Ok(());
    }
    let (applied,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut *conn)
        .await?;
    if usize::try_from(applied).unwrap_or(0) >= migrations {
        return Ok(());
    }
    let present: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tessera_pv_%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name,) in present {
        sqlx::query(AssertSqlSafe(format!("DROP TRIGGER IF EXISTS {name}")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Makes (or remakes) the triggers. Cheap when they are in place already.
pub async fn install(db: &mut AnyConnection, is_sqlite: bool) -> Result<(), sqlx::Error> {
    if is_sqlite {
        install_sqlite(db).await
    } else {
        install_postgres(db).await
    }
}

/// The trigger statements SQLite should hold, by name.
async fn sqlite_triggers(db: &mut AnyConnection) -> Result<Vec<(String, String)>, sqlx::Error> {
    let bump = "UPDATE users SET page_version = page_version + 1 WHERE id";
    let mut wanted = vec![(
        "tessera_pv_users".to_string(),
        "CREATE TRIGGER tessera_pv_users AFTER UPDATE ON users \
         WHEN NEW.page_version = OLD.page_version \
         BEGIN UPDATE users SET page_version = page_version + 1 WHERE id = NEW.id; END"
            .to_string(),
    )];
    for event in ["insert", "update", "delete"] {
        let name = format!("tessera_pv_settings_{event}");
        wanted.push((
            name.clone(),
            format!(
                "CREATE TRIGGER {name} AFTER {} ON settings \
                 BEGIN UPDATE settings_version SET version = version + 1; END",
                event.to_uppercase()
            ),
        ));
    }
    for (table, ignored) in WATCHED {
        let columns: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(*table)
                .fetch_all(&mut *db)
                .await?;
        let counted: Vec<String> = columns
            .iter()
            .map(|(c,)| c.as_str())
            .filter(|c| !ignored.contains(c))
            .map(|c| format!("\"{c}\""))
            .collect();
        let name = |event: &str| format!("tessera_pv_{table}_{event}");
        wanted.push((
            name("insert"),
            format!(
                "CREATE TRIGGER {} AFTER INSERT ON {table} BEGIN {bump} = NEW.user_id; END",
                name("insert")
            ),
        ));
        wanted.push((
            name("update"),
            format!(
                "CREATE TRIGGER {} AFTER UPDATE OF {} ON {table} \
                 BEGIN {bump} IN (OLD.user_id, NEW.user_id); END",
                name("update"),
                counted.join(", ")
            ),
        ));
        wanted.push((
            name("delete"),
            format!(
                "CREATE TRIGGER {} AFTER DELETE ON {table} BEGIN {bump} = OLD.user_id; END",
                name("delete")
            ),
        ));
    }
    Ok(wanted)
}

/// SQLite keeps each trigger's statement as written: when they all read as
/// wanted nothing is done; otherwise they are made again in one transaction.
async fn install_sqlite(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    let mut wanted = sqlite_triggers(conn).await?;
    wanted.sort();
    let mut present: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tessera_pv_%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    present.sort();
    if present == wanted {
        return Ok(());
    }
    let mut tx = conn.begin().await?;
    for (name, _) in &present {
        sqlx::query(AssertSqlSafe(format!("DROP TRIGGER IF EXISTS {name}")))
            .execute(&mut *tx)
            .await?;
    }
    for (_, statement) in &wanted {
        sqlx::query(AssertSqlSafe(statement.as_str()))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// One function for every watched table, run once per statement with the
/// rows it changed: the accounts they belong to are locked in the order of
/// their ids, then their versions raised, each once. The lock is the one the
/// update takes anyway, `FOR NO KEY UPDATE`: the statement's own foreign-key
/// check holds a `KEY SHARE` lock on the account, and `FOR UPDATE` conflicts
/// with that, so two inserts for one account each waited for the other (a
/// deadlock in a burst of token creations on two servers). So a statement over many
/// accounts (a broadcast, the purge of ended sessions) makes one update, and
/// two of them lock accounts in the same order (no deadlock between them). An
/// update whose rows differ only in the ignored columns (the trigger's
/// arguments) raises nothing.
const PG_FUNCTION: &str = "CREATE OR REPLACE FUNCTION tessera_page_version() RETURNS trigger \
LANGUAGE plpgsql AS $f$
DECLARE
  ignored text[] := COALESCE(TG_ARGV, '{}');
  changed text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT user_id) INTO changed FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT user_id) INTO changed FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT moved.user_id) INTO changed FROM (
      (SELECT n.user_id, to_jsonb(n) - ignored AS r FROM new_rows n
       EXCEPT SELECT o.user_id, to_jsonb(o) - ignored FROM old_rows o)
      UNION
      (SELECT o.user_id, to_jsonb(o) - ignored AS r FROM old_rows o
       EXCEPT SELECT n.user_id, to_jsonb(n) - ignored FROM new_rows n)
    ) AS moved;
  END IF;
  IF changed IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM users WHERE id = ANY (changed) ORDER BY id FOR NO KEY UPDATE;
  UPDATE users SET page_version = page_version + 1 WHERE id = ANY (changed);
  RETURN NULL;
END
$f$";

/// A watched table emptied by `TRUNCATE` (by hand): every account's pages.
const PG_TRUNCATE_FUNCTION: &str = "CREATE OR REPLACE FUNCTION tessera_page_version_all() \
RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  UPDATE users SET page_version = page_version + 1;
  RETURN NULL;
END
$f$";

/// On `users`, before the row is written: no second update of the row, and
/// no lock it does not hold already.
const PG_USERS_FUNCTION: &str = "CREATE OR REPLACE FUNCTION tessera_users_page_version() \
RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  NEW.page_version := OLD.page_version + 1;
  RETURN NEW;
END
$f$";

/// On `settings`, once per statement.
const PG_SETTINGS_FUNCTION: &str = "CREATE OR REPLACE FUNCTION tessera_settings_version() \
RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  UPDATE settings_version SET version = version + 1;
  RETURN NULL;
END
$f$";

/// The triggers PostgreSQL should hold, by name, with the table each is on.
/// Each name ends in a digest of its statement: a changed definition is a new
/// name, so the old trigger is dropped and the new one made.
fn postgres_triggers() -> Vec<(String, &'static str, String)> {
    use sha2::Digest as _;
    let mut wanted: Vec<(&'static str, String, String)> = vec![
        (
            "users",
            "users".to_string(),
            "BEFORE UPDATE ON users FOR EACH ROW WHEN (OLD.page_version = NEW.page_version) \
             EXECUTE FUNCTION tessera_users_page_version()"
                .to_string(),
        ),
        (
            "settings",
            "settings".to_string(),
            "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings FOR EACH STATEMENT \
             EXECUTE FUNCTION tessera_settings_version()"
                .to_string(),
        ),
    ];
    for (table, ignored) in WATCHED {
        let arguments: Vec<String> = ignored.iter().map(|c| format!("'{c}'")).collect();
        let arguments = arguments.join(", ");
        let run = format!("FOR EACH STATEMENT EXECUTE FUNCTION tessera_page_version({arguments})");
        for (event, transition) in [
            ("insert", "REFERENCING NEW TABLE AS new_rows"),
            (
                "update",
                "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            ),
            ("delete", "REFERENCING OLD TABLE AS old_rows"),
        ] {
            wanted.push((
                table,
                format!("{table}_{event}"),
                format!(
                    "AFTER {} ON {table} {transition} {run}",
                    event.to_uppercase()
                ),
            ));
        }
        wanted.push((
            table,
            format!("{table}_truncate"),
            format!(
                "AFTER TRUNCATE ON {table} FOR EACH STATEMENT \
                 EXECUTE FUNCTION tessera_page_version_all()"
            ),
        ));
    }
    wanted
        .into_iter()
        .map(|(table, what, rest)| {
            let digest = sha2::Sha256::digest(rest.as_bytes());
            let name = format!(
                "tessera_pv_{what}_{:02x}{:02x}{:02x}{:02x}",
                digest[0], digest[1], digest[2], digest[3]
            );
            let statement = format!("CREATE TRIGGER {name} {rest}");
            (name, table, statement)
        })
        .collect()
}

/// Servers starting together take turns; the functions are replaced (that
/// locks no table); triggers no longer wanted are dropped and missing ones
/// made (each locks its table, so nothing is done when all are in place).
async fn install_postgres(db: &mut AnyConnection) -> Result<(), sqlx::Error> {
    let wanted = postgres_triggers();
    let mut tx = db.begin().await?;
    sqlx::query("SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(7207150002)) AS turn")
        .execute(&mut *tx)
        .await?;
    for function in [
        PG_FUNCTION,
        PG_TRUNCATE_FUNCTION,
        PG_USERS_FUNCTION,
        PG_SETTINGS_FUNCTION,
    ] {
        sqlx::query(function).execute(&mut *tx).await?;
    }
    let present: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(t.tgname AS TEXT), CAST(c.relname AS TEXT) FROM pg_trigger t \
         JOIN pg_class c ON c.oid = t.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND t.tgname LIKE 'tessera_pv_%'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (name, table) in &present {
        if !wanted.iter().any(|(w, _, _)| w == name) {
            sqlx::query(AssertSqlSafe(format!("DROP TRIGGER {name} ON {table}")))
                .execute(&mut *tx)
                .await?;
        }
    }
    for (name, _, statement) in &wanted {
        if !present.iter().any(|(p, _)| p == name) {
            sqlx::query(AssertSqlSafe(statement.as_str()))
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await
}
