//! Signed-in pages kept for a moment (`server::infra::page_cache`): served
//! again only to the same session with nothing under them changed, with a
//! fresh nonce each time; every change to what they show is seen at once,
//! whoever made it.

use crate::common::{self, TestApp};
use http::{header, StatusCode};
use tessera::server::db::page_version::{UNWATCHED, WATCHED};

/// The nonce a page's CSP header allows, and the body with it blanked out.
fn nonce_and_rest(reply: &common::Reply) -> (String, String) {
    let nonce = reply.csp_nonce();
    let rest = reply.body.replace(&nonce, "NONCE");
    (nonce, rest)
}

async fn page(app: &TestApp, path: &str, cookie: &str) -> common::Reply {
    let reply = app.get(path, Some(cookie), "text/html").await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    reply
}

#[tokio::test]
async fn a_kept_page_is_served_again_with_a_fresh_nonce() {
    let app = TestApp::new().await;
    app.create_user("kept", "right-horse-42").await;
    let cookie = app.session("kept", "right-horse-42").await;
    let first = page(&app, "/settings/profile", &cookie).await;
    let hits = app.state.page_cache.hits();
    let second = page(&app, "/settings/profile", &cookie).await;
    assert_eq!(
        app.state.page_cache.hits(),
        hits + 1,
        "served from the cache"
    );
    let (first_nonce, first_rest) = nonce_and_rest(&first);
    let (second_nonce, second_rest) = nonce_and_rest(&second);
    assert_ne!(first_nonce, second_nonce);
    // Each page's scripts carry the nonce its own CSP header names.
    assert!(second.body.contains(&format!("nonce=\"{second_nonce}\"")));
    assert!(!second.body.contains(&first_nonce));
    assert_eq!(first_rest, second_rest);
    assert_eq!(
        first.headers.get(header::CONTENT_TYPE),
        second.headers.get(header::CONTENT_TYPE)
    );
    assert_eq!(
        second
            .headers
            .get(header::CACHE_CONTROL)
            .expect("Cache-Control"),
        "no-store"
    );
}

#[tokio::test]
async fn every_change_to_what_a_page_shows_is_seen_at_once() {
    let app = TestApp::new().await;
    app.create_user("seen", "right-horse-42").await;
    let cookie = app.session("seen", "right-horse-42").await;
    let id = common::id_of(&app, "seen").await;

    // The account's own row, through a server function.
    page(&app, "/settings/profile", &cookie).await;
    let r = app
        .post_form(
            "/api/profile/names",
            &[
                ("first_name", "Grace"),
                ("last_name", "Hopper"),
                ("display_name", "Amazing Grace"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(page(&app, "/settings/profile", &cookie)
        .await
        .body
        .contains("Amazing Grace"));

    // A watched table, by SQL as an operator would type it: no server code
    // knows about it, the database raises the version.
    let before = page(&app, "/settings/tokens", &cookie).await;
    assert!(!before.body.contains("typed-by-hand"));
    app.sql(&format!(
        "INSERT INTO api_tokens (id, user_id, name, shown, digest, scope, allowed_ips, \
         created_at, expires_at) VALUES ('t-hand', '{id}', 'typed-by-hand', 'tsr_…', \
         'digest-by-hand', 'read', '', 1, 4102444800)"
    ))
    .await;
    assert!(page(&app, "/settings/tokens", &cookie)
        .await
        .body
        .contains("typed-by-hand"));
    app.sql("UPDATE api_tokens SET name = 'renamed-by-hand' WHERE id = 't-hand'")
        .await;
    assert!(page(&app, "/settings/tokens", &cookie)
        .await
        .body
        .contains("renamed-by-hand"));
    app.sql("DELETE FROM api_tokens WHERE id = 't-hand'").await;
    assert!(!page(&app, "/settings/tokens", &cookie)
        .await
        .body
        .contains("renamed-by-hand"));

    // A workspace setting (every page shows the workspace's rules).
    page(&app, "/settings/profile", &cookie).await;
    let hits = app.state.page_cache.hits();
    app.sql("INSERT INTO settings (key, value) VALUES ('lock_profiles', 'true')")
        .await;
    page(&app, "/settings/profile", &cookie).await;
    assert_eq!(app.state.page_cache.hits(), hits, "rendered again");
}

/// The version moves on every insert, update and delete of a watched table,
/// on `users`, and not for the columns left out (a token's last use).
#[tokio::test]
async fn the_database_raises_the_version_on_every_change() {
    let app = TestApp::new().await;
    app.create_user("ver", "right-horse-42").await;
    let id = common::id_of(&app, "ver").await;
    let query = format!("SELECT page_version FROM users WHERE id = '{id}'");
    let version = || app.count(&query);
    let start = version().await;
    app.sql(&format!(
        "UPDATE users SET phone = '+4930123456' WHERE id = '{id}'"
    ))
    .await;
    let after_user = version().await;
    assert!(after_user > start);
    app.sql(&format!(
        "INSERT INTO notification_prefs (user_id, area, channel, enabled) \
         VALUES ('{id}', 'security', 'email', 0)"
    ))
    .await;
    let after_insert = version().await;
    assert!(after_insert > after_user);
    app.sql(&format!(
        "UPDATE notification_prefs SET enabled = 1 WHERE user_id = '{id}'"
    ))
    .await;
    let after_update = version().await;
    assert!(after_update > after_insert);
    app.sql(&format!(
        "DELETE FROM notification_prefs WHERE user_id = '{id}'"
    ))
    .await;
    let after_delete = version().await;
    assert!(after_delete > after_update);
    app.sql(&format!(
        "INSERT INTO api_tokens (id, user_id, name, shown, digest, scope, allowed_ips, \
         created_at, expires_at) VALUES ('t-v', '{id}', 'v', 'tsr_…', 'digest-v', 'read', '', \
         1, 4102444800)"
    ))
    .await;
    let with_token = version().await;
    assert!(with_token > after_delete);
    app.sql("UPDATE api_tokens SET last_used_at = 5, last_used_ip = '192.0.2.1' WHERE id = 't-v'")
        .await;
    assert_eq!(version().await, with_token, "a last use is not a change");
    app.sql("UPDATE api_tokens SET name = 'w', last_used_at = 6 WHERE id = 't-v'")
        .await;
    assert!(
        version().await > with_token,
        "a change beside a last use counts"
    );
    if common::on_postgres() {
        // Emptied by hand: every account's pages.
        let before = version().await;
        app.sql("TRUNCATE notification_prefs").await;
        assert!(version().await > before);
    }
}

/// A statement over many accounts raises each one's version; a session's
/// last use raises none.
#[tokio::test]
async fn one_statement_over_many_accounts_raises_each() {
    let app = TestApp::new().await;
    let names = ["many1", "many2", "many3"];
    for name in names {
        app.create_user(name, "right-horse-42").await;
        app.session(name, "right-horse-42").await;
    }
    let versions = || async {
        let mut all = Vec::new();
        for name in names {
            let query = format!("SELECT page_version FROM users WHERE username = '{name}'");
            all.push(app.count(&query).await);
        }
        all
    };
    let before = versions().await;
    app.sql("UPDATE sessions SET last_seen_at = last_seen_at + 1, ip = '192.0.2.9'")
        .await;
    assert_eq!(versions().await, before, "a touch is no change");
    app.sql(
        "DELETE FROM sessions WHERE user_id IN \
         (SELECT id FROM users WHERE username LIKE 'many%')",
    )
    .await;
    let after = versions().await;
    for (b, a) in before.iter().zip(&after) {
        assert!(a > b, "{before:?} → {after:?}");
    }
}

/// A table whose rows belong to an account either raises its version or is
/// said to be shown on no kept page: a new table needs that decision.
#[tokio::test]
async fn every_table_of_an_account_is_watched_or_said_not_to_be_shown() {
    let app = TestApp::new().await;
    let query = if common::on_postgres() {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.columns \
         WHERE table_schema = current_schema() AND column_name = 'user_id'"
    } else {
        "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND p.name = 'user_id'"
    };
    let mut tables: Vec<(String,)> = sqlx::query_as(query)
        .fetch_all(&app.state.db)
        .await
        .expect("tables");
    tables.sort();
    let mut listed: Vec<&str> = WATCHED
        .iter()
        .map(|(t, _)| *t)
        .chain(UNWATCHED.iter().copied())
        .collect();
    listed.sort_unstable();
    let tables: Vec<&str> = tables.iter().map(|(t,)| t.as_str()).collect();
    assert_eq!(tables, listed);
    // And each watched one has its triggers.
    let query = if common::on_postgres() {
        "SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'tessera_pv_%'"
    } else {
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tessera_pv_%'"
    };
    // Per watched table: one per event (PostgreSQL: and one for TRUNCATE);
    // `users` has one; `settings` one on PostgreSQL, three on SQLite.
    let expected = if common::on_postgres() {
        WATCHED.len() * 4 + 2
    } else {
        WATCHED.len() * 3 + 4
    };
    let expected = i64::try_from(expected).expect("count");
    assert_eq!(app.count(query).await, expected);
}

#[tokio::test]
async fn a_kept_page_goes_to_its_own_session_only() {
    let app = TestApp::new().await;
    app.create_user("two", "right-horse-42").await;
    let one = app.session("two", "right-horse-42").await;
    let other = app.session("two", "right-horse-42").await;
    page(&app, "/settings/sessions", &one).await;
    page(&app, "/settings/sessions", &one).await;
    let hits = app.state.page_cache.hits();
    // The same account in another browser: its own render.
    page(&app, "/settings/sessions", &other).await;
    assert_eq!(app.state.page_cache.hits(), hits);
    // Another account asking for the same page: its own render.
    app.create_user("three", "right-horse-42").await;
    let third = app.session("three", "right-horse-42").await;
    let theirs = page(&app, "/settings/sessions", &third).await;
    assert_eq!(app.state.page_cache.hits(), hits);
    assert!(!theirs.body.contains("two@example.org"));
    // Signed out: no page, kept or not.
    let r = app.post_form("/api/logout", &[], Some(&one)).await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.status
    );
    let gone = app.get("/settings/sessions", Some(&one), "text/html").await;
    assert_eq!(gone.status, StatusCode::FOUND);
    assert_eq!(app.state.page_cache.hits(), hits);
}

#[tokio::test]
async fn nothing_is_kept_when_the_cache_is_off() {
    let app = TestApp::with_env(&[("TESSERA_PAGE_CACHE_SECONDS", "0")]).await;
    app.create_user("off", "right-horse-42").await;
    let cookie = app.session("off", "right-horse-42").await;
    page(&app, "/settings/profile", &cookie).await;
    page(&app, "/settings/profile", &cookie).await;
    assert_eq!(app.state.page_cache.hits(), 0);
}

/// The workspace settings are kept between requests (`workspace::Cached`) and
/// loaded again as soon as they change, however they were changed.
#[tokio::test]
async fn a_workspace_setting_is_seen_by_the_next_request() {
    let app = TestApp::new().await;
    app.create_user("rule", "right-horse-42").await;
    let cookie = app.session("rule", "right-horse-42").await;
    page(&app, "/settings/profile", &cookie).await;
    page(&app, "/settings/profile", &cookie).await;
    let version = "SELECT version FROM settings_version WHERE id = 1";
    let before = app.count(version).await;
    app.sql("INSERT INTO settings (key, value) VALUES ('two_factor_mandatory', 'true')")
        .await;
    assert!(app.count(version).await > before);
    let r = app
        .get("/settings/profile", Some(&cookie), "text/html")
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "sent to enrol");
    assert_eq!(
        r.headers.get(header::LOCATION).expect("Location"),
        "/settings/two-factor"
    );
    app.sql("DELETE FROM settings WHERE key = 'two_factor_mandatory'")
        .await;
    page(&app, "/settings/profile", &cookie).await;
}

/// SQLite refuses a migration that drops a column or renames a rebuilt table
/// a trigger names: with migrations still to apply, the triggers go first.
#[tokio::test]
async fn the_triggers_make_way_for_migrations_still_to_apply() {
    use tessera::server::db::page_version;
    if common::on_postgres() {
        return;
    }
    let app = TestApp::new().await;
    let triggers = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' \
                    AND name LIKE 'tessera_pv_%'";
    let installed = app.count(triggers).await;
    assert!(installed > 0);
    let mut conn = app.state.db.acquire().await.expect("connection");
    let applied =
        usize::try_from(app.count("SELECT COUNT(*) FROM _sqlx_migrations").await).expect("count");
    // All applied: nothing to do.
    page_version::make_way_for(&mut conn, applied)
        .await
        .expect("make way");
    assert_eq!(app.count(triggers).await, installed);
    // One more to apply: they go, and come back once it has run.
    page_version::make_way_for(&mut conn, applied + 1)
        .await
        .expect("make way");
    assert_eq!(app.count(triggers).await, 0);
    page_version::install(&mut conn, true)
        .await
        .expect("install");
    assert_eq!(app.count(triggers).await, installed);
}
