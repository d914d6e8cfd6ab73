//! What every `make bench` program starts from: a configuration whose data
//! directory is `dir` and whose database is SQLite there, or the one that
//! `TESSERA_BENCH_DATABASE_URL` names (`make bench` runs each program on
//! SQLite, then on a throwaway PostgreSQL cluster).

use std::collections::BTreeMap;
use std::path::Path;
use tessera::server::db::{self, Db};
use tessera::server::infra::config::Config;

/// The configuration, with `extra` environment variables, and the engine's name.
pub fn config(dir: &Path, extra: &[(&str, String)]) -> (Config, &'static str) {
    let mut env = BTreeMap::new();
    env.insert("TESSERA_DATA_DIR".to_string(), dir.display().to_string());
    for (k, v) in extra {
        env.insert((*k).to_string(), v.clone());
    }
    if let Ok(url) = std::env::var("TESSERA_BENCH_DATABASE_URL") {
        env.insert("TESSERA_DATABASE_URL".to_string(), url);
    }
    let config = Config::from_sources("", &env).expect("config");
    let engine = if config.database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    (config, engine)
}

/// A fresh database for a bench (in `dir` on SQLite), and whether it is PostgreSQL.
#[allow(
    dead_code,
    reason = "each bench compiles this module; `api` needs the whole state"
)]
pub async fn open(dir: &Path) -> (Db, bool) {
    let (config, engine) = config(dir, &[]);
    let pool = db::connect(&config.database_url).await.expect("database");
    (pool, engine == "PostgreSQL")
}

/// A second fresh database beside `open`'s, for a bench that compares two:
/// on SQLite in `dir`, on PostgreSQL a database of its own in the same cluster
/// (`name`, created here, emptied first).
#[allow(dead_code, reason = "only `scale` compares two databases")]
pub async fn open_beside(dir: &Path, name: &str) -> Db {
    let Ok(url) = std::env::var("TESSERA_BENCH_DATABASE_URL") else {
        return open(dir).await.0;
    };
    let server = db::connect(&url).await.expect("database");
    for statement in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&server)
            .await
            .expect("second database");
    }
    server.close().await;
    let (base, _) = url
        .rsplit_once('/')
        .expect("a database URL names its database");
    db::connect(&format!("{base}/{name}"))
        .await
        .expect("second database")
}
