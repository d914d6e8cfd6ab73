//! `make bench`, second part: what one token verification costs (the database
//! lookup by digest behind every uncached API request) with 1,000 and with
//! 1,000,000 tokens in the table. Budget: the large table at most 1.2× the small.
//!
//! The two sizes are two databases, measured in turns (a round of lookups on
//! the small one, then on the large one, and again): on a shared machine the
//! speed drifts by half within minutes, and sizes measured one after the other
//! compared the drift as much as the table.
//!
//! Runs on SQLite in temporary directories, or on the database that
//! `TESSERA_BENCH_DATABASE_URL` names and a second one beside it (`make bench`
//! runs it on a throwaway PostgreSQL cluster too). Seeding is one statement (a
//! generated series), not a million requests. Not a test: it prints the figures
//! and exits non-zero when the budget is missed.

use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use tessera::server::db::{api_tokens, Db};

const SMALL: i64 = 1_000;
const LARGE: i64 = 1_000_000;
const LOOKUPS: usize = 20_000;
const ROUNDS: usize = 5;
const BUDGET: f64 = 1.2;

mod common;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    for size in ["large", "small"] {
        std::fs::create_dir_all(dir.path().join(size)).expect("data dir");
    }
    let (large_db, pg) = common::open(&dir.path().join("large")).await;
    let small_db = common::open_beside(&dir.path().join("small"), "tessera_bench_small").await;
    let engine = if pg { "PostgreSQL" } else { "SQLite" };
    let t = Instant::now();
    seed(&large_db, pg, 1, LARGE).await;
    let seeded = t.elapsed();
    seed(&small_db, pg, 1, SMALL).await;

    let mut rng = rand::rng();
    let (mut small, mut large) = (Duration::MAX, Duration::MAX);
    // Round 0 warms the caches and is not counted.
    for round in 0..=ROUNDS {
        let s = lookups(&small_db, pg, SMALL, &mut rng).await;
        let l = lookups(&large_db, pg, LARGE, &mut rng).await;
        if round > 0 {
            small = small.min(s);
            large = large.min(l);
        }
    }
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    println!(
        "token lookup by digest on {engine} ({LOOKUPS} random lookups, best of {ROUNDS}, sizes in turns)"
    );
    println!(
        "  {SMALL:>9} tokens  {:>8.1} µs per lookup",
        small.as_secs_f64() * 1e6
    );
    println!(
        "  {LARGE:>9} tokens  {:>8.1} µs per lookup   (seeded in {:.1} s)",
        large.as_secs_f64() * 1e6,
        seeded.as_secs_f64()
    );
    println!("  ratio {ratio:.2} (budget ≤ {BUDGET})");
    if ratio > BUDGET {
        eprintln!("token verification slows down with the table's size");
        std::process::exit(1);
    }
}

/// The digest stored for token `n` (the same function as the seed's SQL).
fn digest(pg: bool, n: i64) -> String {
    if pg {
        hex::encode(Sha256::digest(n.to_string().as_bytes()))
    } else {
        format!("{:08x}{n:056x}", (n * 2_654_435_761) % 4_294_967_296)
    }
}

/// Tokens `from..=to` of one new account, in one statement.
async fn seed(db: &Db, pg: bool, from: i64, to: i64) {
    let (user_id,): (String,) = sqlx::query_as(
        "INSERT INTO users (id, username, email, role, source, created_at, updated_at) \
         VALUES ('bench-scale-user', 'bench-scale', 'bench-scale@example.org', 'user', 'local', 0, 0) RETURNING id",
    )
    .fetch_one(db)
    .await
    .expect("user");
    let sql = if pg {
        "INSERT INTO api_tokens (id, user_id, name, shown, digest, scope, allowed_ips, created_at, expires_at) \
         SELECT 'bench-' || n, $1, 'bench-' || n, 'tsr_bench', encode(sha256(CAST(CAST(n AS TEXT) AS bytea)), 'hex'), \
           'read', '', 0, 4102444800 FROM generate_series(CAST($2 AS BIGINT), CAST($3 AS BIGINT)) AS n"
    } else {
        "WITH RECURSIVE seq(n) AS (SELECT $2 UNION ALL SELECT n + 1 FROM seq WHERE n < $3) \
         INSERT INTO api_tokens (id, user_id, name, shown, digest, scope, allowed_ips, created_at, expires_at) \
         SELECT 'bench-' || n, $1, 'bench-' || n, 'tsr_bench', printf('%08x%056x', (n * 2654435761) % 4294967296, n), \
           'read', '', 0, 4102444800 FROM seq"
    };
    sqlx::query(sql)
        .bind(&user_id)
        .bind(from)
        .bind(to)
        .execute(db)
        .await
        .expect("seed");
    // What a table this size is like after months of small writes, rather than
    // right after one: PostgreSQL's statistics up to date; SQLite's pages all
    // back in the database file and its write-ahead log empty (the one
    // statement left 1,000,000 rows' pages in the log, through which each read
    // would look first).
    let settle = if pg {
        "ANALYZE api_tokens"
    } else {
        "PRAGMA wal_checkpoint(TRUNCATE)"
    };
    sqlx::query(settle).execute(db).await.expect("settle");
}

/// The time per lookup of one round of random lookups among `count` tokens.
async fn lookups(db: &Db, pg: bool, count: i64, rng: &mut impl rand::Rng) -> Duration {
    let digests: Vec<String> = (0..LOOKUPS)
        .map(|_| digest(pg, rng.random_range(1..=count)))
        .collect();
    let t = Instant::now();
    for d in &digests {
        let row = api_tokens::find_by_digest(db, d).await.expect("lookup");
        assert!(row.is_some(), "seeded token {d} not found");
    }
    t.elapsed() / LOOKUPS as u32
}
