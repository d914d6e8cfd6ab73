//! `make bench`, second part: what one token verification costs (the database
//! lookup by digest behind every uncached API request) with 1,000 and with
//! 1,000,000 tokens in the table. Budget: the large table at most 1.2× the small.
//!
//! Runs on SQLite in a temporary directory, or on the database that
//! `TESSERA_BENCH_DATABASE_URL` names (`make bench` runs it on a throwaway
//! PostgreSQL cluster too). Seeding is one statement (a generated series), not
//! a million requests. Not a test: it prints the figures and exits non-zero
//! when the budget is missed.

use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use tessera::server::db::{api_tokens, Db};

const SMALL: i64 = 1_000;
const LARGE: i64 = 1_000_000;
const LOOKUPS: usize = 20_000;
const ROUNDS: usize = 3;
const BUDGET: f64 = 1.2;

mod common;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (pool, pg) = common::open(dir.path()).await;
    let engine = if pg { "PostgreSQL" } else { "SQLite" };
    let (user_id,): (String,) = sqlx::query_as(
        "INSERT INTO users (id, username, email, role, source, created_at, updated_at) \
         VALUES ('bench-scale-user', 'bench-scale', 'bench-scale@example.org', 'user', 'local', 0, 0) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("user");

    seed(&pool, pg, &user_id, 1, SMALL).await;
    let small = best_of(&pool, pg, SMALL).await;
    let t = Instant::now();
    seed(&pool, pg, &user_id, SMALL + 1, LARGE).await;
    let seeded = t.elapsed();
    let large = best_of(&pool, pg, LARGE).await;
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    println!("token lookup by digest on {engine} ({LOOKUPS} random lookups, best of {ROUNDS})");
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

/// Tokens `from..=to` for `user_id`, in one statement.
async fn seed(db: &Db, pg: bool, user_id: &str, from: i64, to: i64) {
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
        .bind(user_id)
        .bind(from)
        .bind(to)
        .execute(db)
        .await
        .expect("seed");
    if pg {
        sqlx::query("ANALYZE api_tokens")
            .execute(db)
            .await
            .expect("analyze");
    }
}

/// The fastest of a few rounds of random lookups among `count` tokens.
async fn best_of(db: &Db, pg: bool, count: i64) -> Duration {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut best = Duration::MAX;
    for round in 0..=ROUNDS {
        let digests: Vec<String> = (0..LOOKUPS)
            .map(|_| digest(pg, rng.random_range(1..=count)))
            .collect();
        let t = Instant::now();
        for d in &digests {
            let row = api_tokens::find_by_digest(db, d).await.expect("lookup");
            assert!(row.is_some(), "seeded token {d} not found");
        }
        let per = t.elapsed() / LOOKUPS as u32;
        // Round 0 warms the caches and is not counted.
        if round > 0 {
            best = best.min(per);
        }
    }
    best
}
