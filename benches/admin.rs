//! `make bench`, third part: the administrator's lists at scale. Seeds
//! 100,000 users and 1,000,000 audit rows (one statement each), then times
//! the queries behind Admin › Users and Admin › Audit log, each many times:
//! p50 and p99 per query. Goals: p99 ≤ 50 ms each, and a page 1,000 deep
//! costs at most 1.5× the first page (keyset paging, not OFFSET).
//!
//! Runs on SQLite in a temporary directory, or on the database that
//! `TESSERA_BENCH_DATABASE_URL` names. Not a test: it prints the figures and
//! exits non-zero when a goal is missed.

use rand::Rng;
use std::future::Future;
use std::time::{Duration, Instant};
use tessera::server::db::user_search::{After, UserFilter};
use tessera::server::db::{audit, user_search, Db};

const USERS: i64 = 100_000;
const AUDIT_ROWS: i64 = 1_000_000;
const PAGE: i64 = 50;
/// Rows skipped to reach "page 1,000".
const DEEP: i64 = 1_000 * PAGE;
const SAMPLES: usize = 200;
const P99_GOAL: Duration = Duration::from_millis(50);
const DEPTH_GOAL: f64 = 1.5;
/// Audit rows are 31 s apart from here on (2025-01-01).
const AUDIT_START: i64 = 1_735_689_600;

mod common;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (pool, pg) = common::open(dir.path()).await;
    let engine = if pg { "PostgreSQL" } else { "SQLite" };
    let t = Instant::now();
    seed(&pool, pg).await;
    println!(
        "admin lists on {engine}: {USERS} users, {AUDIT_ROWS} audit rows (seeded in {:.1} s), \
         {SAMPLES} samples each, {PAGE} rows a page",
        t.elapsed().as_secs_f64()
    );

    let mut results = Vec::new();
    let mut rng = rand::rng();

    // Admin › Users.
    let searches: Vec<String> = (0..SAMPLES)
        .map(|_| format!("%{:05}%", rng.random_range(0..USERS)))
        .collect();
    results.push(
        measure("users: search (substring, few matches)", &searches, |q| {
            users(
                &pool,
                UserFilter {
                    q,
                    ..Default::default()
                },
                "name",
                After::Start,
            )
        })
        .await,
    );
    const BY_NAME: &str =
        "SELECT lower(username) FROM users ORDER BY lower(username) LIMIT 1 OFFSET $1";
    let by_name = |k: &String| users(&pool, UserFilter::default(), "name", After::Name(k.clone()));
    let page_1000 = deep_keys(&pool, BY_NAME, vec![DEEP]).await.remove(0);
    let (first, deep) = depth(
        ["users: page 1 by name", "users: page 1000 by name"],
        &page_1000,
        |cursor| {
            let after = cursor.map_or(After::Start, After::Name);
            users(&pool, UserFilter::default(), "name", after)
        },
    )
    .await;
    let name_depth = deep.p50.as_secs_f64() / first.p50.as_secs_f64();
    results.push(first);
    results.push(deep);
    // Then pages 900 to 1,100, each once: pages nobody read just before.
    let around = deep_keys(&pool, BY_NAME, deep_offsets(&mut rng)).await;
    results.push(measure("users: pages 900-1100 by name", &around, by_name).await);
    let deep_created: Vec<(i64, String)> = deep_pairs(
        &pool,
        "SELECT created_at, id FROM users ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $1",
        &mut rng,
    )
    .await;
    results.push(
        measure("users: page 1000 newest first", &deep_created, |(k, id)| {
            users(
                &pool,
                UserFilter::default(),
                "created",
                After::Created(*k, id.clone()),
            )
        })
        .await,
    );
    let deep_sign_in: Vec<(i64, String)> = deep_pairs(
        &pool,
        "SELECT COALESCE(last_sign_in_at, 0), id FROM users \
         ORDER BY COALESCE(last_sign_in_at, 0) DESC, id DESC LIMIT 1 OFFSET $1",
        &mut rng,
    )
    .await;
    results.push(
        measure(
            "users: page 1000 by last sign-in",
            &deep_sign_in,
            |(k, id)| {
                users(
                    &pool,
                    UserFilter::default(),
                    "last_sign_in",
                    After::LastSignIn(*k, id.clone()),
                )
            },
        )
        .await,
    );
    results.push(
        measure("users: disabled, external, page 1", &[(); SAMPLES], |_| {
            users(
                &pool,
                UserFilter {
                    state: "disabled",
                    source: "external",
                    ..Default::default()
                },
                "name",
                After::Start,
            )
        })
        .await,
    );

    // Admin › Audit log.
    const BY_ID: &str = "SELECT id FROM audit_log ORDER BY id DESC LIMIT 1 OFFSET $1";
    let every = || audit::Filter {
        to: i64::MAX,
        ..Default::default()
    };
    let page_1000 = deep_keys(&pool, BY_ID, vec![DEEP]).await.remove(0);
    let (audit_first, audit_deep) = depth(
        ["audit: page 1, no filter", "audit: page 1000, no filter"],
        &page_1000,
        |cursor| audit_page(&pool, every(), cursor),
    )
    .await;
    let audit_depth = audit_deep.p50.as_secs_f64() / audit_first.p50.as_secs_f64();
    results.push(audit_first);
    results.push(audit_deep);
    let older = |id: &String| audit_page(&pool, every(), Some(id.clone()));
    let around = deep_keys(&pool, BY_ID, deep_offsets(&mut rng)).await;
    results.push(measure("audit: pages 900-1100", &around, older).await);
    let actors: Vec<String> = (0..SAMPLES)
        .map(|_| format!("adm{:06}", rng.random_range(1..=USERS)))
        .collect();
    results.push(
        measure("audit: by actor", &actors, |a| {
            audit_page(
                &pool,
                audit::Filter {
                    actor: a,
                    to: i64::MAX,
                    ..Default::default()
                },
                None,
            )
        })
        .await,
    );
    results.push(
        measure("audit: by a rare action", &[(); SAMPLES], |_| {
            let f = audit::Filter {
                action: "admin.user_delete",
                to: i64::MAX,
                ..Default::default()
            };
            audit_page(&pool, f, None)
        })
        .await,
    );
    results.push(
        measure("audit: failures of one action", &[(); SAMPLES], |_| {
            let f = audit::Filter {
                action: "sign_in",
                outcome: "failure",
                to: i64::MAX,
                ..Default::default()
            };
            audit_page(&pool, f, None)
        })
        .await,
    );
    let days: Vec<i64> = (0..SAMPLES)
        .map(|_| AUDIT_START + rng.random_range(0..300) * 86_400)
        .collect();
    results.push(
        measure("audit: one month", &days, |day| {
            let f = audit::Filter {
                from: *day,
                to: day + 30 * 86_400 - 1,
                ..Default::default()
            };
            audit_page(&pool, f, None)
        })
        .await,
    );

    let mut missed = false;
    println!("  {:<40} {:>9} {:>9}", "query", "p50 ms", "p99 ms");
    for r in &results {
        let over = r.p99 > P99_GOAL;
        missed |= over;
        println!(
            "  {:<40} {:>9.2} {:>9.2}{}",
            r.name,
            r.p50.as_secs_f64() * 1e3,
            r.p99.as_secs_f64() * 1e3,
            if over { "   over the goal" } else { "" }
        );
    }
    println!("  p99 goal ≤ {} ms", P99_GOAL.as_millis());
    for (what, ratio) in [("users by name", name_depth), ("audit log", audit_depth)] {
        println!("  {what}: page 1000 ÷ page 1 = {ratio:.2} (goal ≤ {DEPTH_GOAL})");
        missed |= ratio > DEPTH_GOAL;
    }
    if missed {
        eprintln!("the admin lists missed a goal");
        std::process::exit(1);
    }
}

struct Timing {
    name: &'static str,
    p50: Duration,
    p99: Duration,
}

/// Runs `query` once per input (after an unmeasured warm-up on the first
/// inputs) and takes the percentiles. Every query must return rows.
async fn measure<'a, I, F, Fut>(name: &'static str, inputs: &'a [I], query: F) -> Timing
where
    F: Fn(&'a I) -> Fut,
    Fut: Future<Output = usize>,
{
    for input in inputs.iter().take(10) {
        query(input).await;
    }
    let mut times = Vec::with_capacity(inputs.len());
    for input in inputs {
        let t = Instant::now();
        let rows = query(input).await;
        times.push(t.elapsed());
        assert!(rows > 0, "{name}: no rows");
    }
    timing(name, times)
}

/// Page 1 and the page after the cursor `deep`, in turn: both under the same
/// cache and clock, so that their ratio is the paging's cost alone.
async fn depth<F, Fut>(names: [&'static str; 2], deep: &str, query: F) -> (Timing, Timing)
where
    F: Fn(Option<String>) -> Fut,
    Fut: Future<Output = usize>,
{
    let mut times = [Vec::new(), Vec::new()];
    for round in 0..SAMPLES + 10 {
        for (i, cursor) in [None, Some(deep.to_string())].into_iter().enumerate() {
            let t = Instant::now();
            let rows = query(cursor).await;
            // The first ten rounds warm up.
            if round >= 10 {
                times[i].push(t.elapsed());
            }
            assert!(rows > 0, "{}: no rows", names[i]);
        }
    }
    let [first, deep] = times;
    (timing(names[0], first), timing(names[1], deep))
}

fn timing(name: &'static str, mut times: Vec<Duration>) -> Timing {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Timing {
        name,
        p50: at(0.5),
        p99: at(0.99),
    }
}

async fn users(db: &Db, f: UserFilter<'_>, sort: &str, after: After) -> usize {
    user_search::search(db, &f, sort, &after, PAGE + 1)
        .await
        .expect("user search")
        .len()
}

async fn audit_page(db: &Db, f: audit::Filter<'_>, before: Option<String>) -> usize {
    audit::search(db, &f, before.as_deref(), PAGE + 1)
        .await
        .expect("audit search")
        .len()
}

/// Offsets around page 1,000 (± 100 pages), so that no two samples start
/// at the same row.
fn deep_offsets(rng: &mut impl Rng) -> Vec<i64> {
    (0..SAMPLES)
        .map(|_| DEEP + rng.random_range(-100..=100) * PAGE)
        .collect()
}

/// The text key at each of `offsets` (setup, not measured).
async fn deep_keys(db: &Db, sql: &'static str, offsets: Vec<i64>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(offsets.len());
    let mut last = None;
    for offset in offsets {
        if last == Some(offset) {
            keys.push(keys[keys.len() - 1].clone());
            continue;
        }
        let (k,): (String,) = sqlx::query_as(sql)
            .bind(offset)
            .fetch_one(db)
            .await
            .expect("key");
        keys.push(k);
        last = Some(offset);
    }
    keys
}

/// The (number, id) key at each of [`deep_offsets`].
async fn deep_pairs(db: &Db, sql: &'static str, rng: &mut impl Rng) -> Vec<(i64, String)> {
    let mut keys = Vec::with_capacity(SAMPLES);
    for offset in deep_offsets(rng) {
        let k: (i64, String) = sqlx::query_as(sql)
            .bind(offset)
            .fetch_one(db)
            .await
            .expect("key");
        keys.push(k);
    }
    keys
}

/// 100,000 users (every 50th disabled, every 10th external, two thirds
/// signed in) and 1,000,000 audit rows 31 s apart, with UUIDv7-shaped ids
/// of their time, ten actions (one rare) and every tenth a failure.
async fn seed(db: &Db, pg: bool) {
    let (series, users, audit) = if pg {
        (
            "",
            "INSERT INTO users (id, username, email, role, source, first_name, last_name, display_name, \
             disabled, created_at, updated_at, last_sign_in_at) \
             SELECT 'adm-' || n, 'adm' || lpad(CAST(n AS TEXT), 6, '0'), 'adm' || lpad(CAST(n AS TEXT), 6, '0') || '@example.org', \
             'user', CASE WHEN n % 10 = 0 THEN 'external' ELSE 'local' END, 'First' || (n % 5000), 'Last' || (n % 7919), '', \
             CASE WHEN n % 50 = 0 THEN 1 ELSE 0 END, 1700000000 + n * 300, 1700000000 + n * 300, \
             CASE WHEN n % 3 = 0 THEN NULL ELSE 1760000000 + ((n * 7919) % 100000) * 60 END \
             FROM generate_series(1, CAST($1 AS BIGINT)) AS n",
            "INSERT INTO audit_log (id, created_at, actor_id, actor_name, target_id, action, outcome, ip, user_agent, detail) \
             SELECT lpad(to_hex(((1735689600 + n * 31) * 1000) >> 16), 8, '0') || '-' || \
             lpad(to_hex(((1735689600 + n * 31) * 1000) & 65535), 4, '0') || '-7000-8000-' || lpad(to_hex(n), 12, '0'), \
             1735689600 + n * 31, 'adm-' || (1 + (n * 7919) % 100000), 'adm' || lpad(CAST(1 + (n * 7919) % 100000 AS TEXT), 6, '0'), \
             'adm-' || (1 + (n * 7919) % 100000), \
             CASE WHEN n % 997 = 0 THEN 'admin.user_delete' WHEN n % 10 = 1 THEN 'profile.update' \
             WHEN n % 10 = 2 THEN 'token.create' WHEN n % 10 = 3 THEN 'session.revoke' ELSE 'sign_in' END, \
             CASE WHEN n % 10 = 0 THEN 'failure' ELSE 'success' END, '192.0.2.1', 'bench', '{}' \
             FROM generate_series(1, CAST($1 AS BIGINT)) AS n",
        )
    } else {
        (
            "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $1) ",
            "INSERT INTO users (id, username, email, role, source, first_name, last_name, display_name, \
             disabled, created_at, updated_at, last_sign_in_at) \
             SELECT 'adm-' || n, printf('adm%06d', n), printf('adm%06d@example.org', n), \
             'user', CASE WHEN n % 10 = 0 THEN 'external' ELSE 'local' END, 'First' || (n % 5000), 'Last' || (n % 7919), '', \
             CASE WHEN n % 50 = 0 THEN 1 ELSE 0 END, 1700000000 + n * 300, 1700000000 + n * 300, \
             CASE WHEN n % 3 = 0 THEN NULL ELSE 1760000000 + ((n * 7919) % 100000) * 60 END FROM seq",
            "INSERT INTO audit_log (id, created_at, actor_id, actor_name, target_id, action, outcome, ip, user_agent, detail) \
             SELECT printf('%08x-%04x-7000-8000-%012x', ((1735689600 + n * 31) * 1000) >> 16, \
             ((1735689600 + n * 31) * 1000) & 65535, n), \
             1735689600 + n * 31, 'adm-' || (1 + (n * 7919) % 100000), printf('adm%06d', 1 + (n * 7919) % 100000), \
             'adm-' || (1 + (n * 7919) % 100000), \
             CASE WHEN n % 997 = 0 THEN 'admin.user_delete' WHEN n % 10 = 1 THEN 'profile.update' \
             WHEN n % 10 = 2 THEN 'token.create' WHEN n % 10 = 3 THEN 'session.revoke' ELSE 'sign_in' END, \
             CASE WHEN n % 10 = 0 THEN 'failure' ELSE 'success' END, '192.0.2.1', 'bench', '{}' FROM seq",
        )
    };
    for (sql, count) in [(users, USERS), (audit, AUDIT_ROWS)] {
        let sql = format!("{series}{sql}");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(count)
            .execute(db)
            .await
            .expect("seed");
    }
    // PostgreSQL's autovacuum gathers statistics by itself; SQLite is measured
    // as Tessera runs it, without them.
    if pg {
        sqlx::query("ANALYZE").execute(db).await.expect("analyze");
    }
}
