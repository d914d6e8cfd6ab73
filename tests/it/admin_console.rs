//! The security log of one's own account and the admin console's audit log:
//! who may read what, the filters, keyset paging and the CSV export.

use crate::common::{promote, token, TestApp};
use http::StatusCode;

const PW: &str = "right-horse-42";

#[tokio::test]
async fn my_security_log_shows_my_events_and_nobody_elses() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    app.create_user("bob", PW).await;
    let r = app.login("ada", "wrong-horse-42").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let ada = app.session("ada", PW).await;
    app.session("bob", PW).await;
    token(&app, &ada, "deploy", "read", "").await;

    let r = app
        .get("/api/security-log", Some(&ada), "application/json")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let log: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    let entries = log["entries"].as_array().expect("entries");
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(actions[0], ("token.create", "success"), "{actions:?}");
    assert!(
        actions.contains(&("auth.sign_in", "success")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("auth.sign_in", "failure")),
        "{actions:?}"
    );
    assert_eq!(entries[0]["detail"], "deploy");
    assert!(entries[0]["browser"].as_str().is_some());
    // Only hers: bob's sign-in is not in it.
    assert_eq!(entries.len(), actions.len(), "every entry has an action");
    let all = app
        .count("SELECT COUNT(*) FROM audit_log WHERE target_id = (SELECT id FROM users WHERE username = 'ada')")
        .await;
    assert_eq!(i64::try_from(entries.len()).expect("len"), all);
    // Signed out: nothing.
    let r = app.get("/api/security-log", None, "application/json").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_security_log_pages_back_with_a_cursor() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let ada = app.session("ada", PW).await;
    for i in 0..60 {
        app.sql(&format!(
            "INSERT INTO audit_log (id, created_at, actor_id, actor_name, target_id, action, outcome, detail) \
             SELECT '0000-seed-{i:03}', {i}, id, username, id, 'auth.sign_in', 'success', '{{}}' FROM users WHERE username = 'ada'"
        ))
        .await;
    }
    let r = app
        .get("/api/security-log", Some(&ada), "application/json")
        .await;
    let first: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(first["entries"].as_array().expect("entries").len(), 50);
    let cursor = first["older"].as_str().expect("an older page");
    let r = app
        .get(
            &format!("/api/security-log?before={cursor}"),
            Some(&ada),
            "application/json",
        )
        .await;
    let second: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    let n = second["entries"].as_array().expect("entries").len();
    let total = app
        .count("SELECT COUNT(*) FROM audit_log WHERE target_id IS NOT NULL")
        .await;
    assert_eq!(i64::try_from(50 + n).expect("n"), total);
    assert!(second["older"].is_null());
}

#[tokio::test]
async fn the_audit_log_is_for_administrators_only() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    app.create_user("ada", PW).await;
    let ada = app.session("ada", PW).await;
    let r = app
        .get(
            "/api/admin/audit?filter[actor]=",
            Some(&ada),
            "application/json",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .get("/api/admin/audit-export", Some(&ada), "text/csv")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'admin.denied'")
            .await,
        2,
        "the page's server function and the export, each refused and audited"
    );
    let r = app.get("/api/admin/audit-export", None, "text/csv").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn administrators_filter_page_and_export_the_audit_log() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    app.create_user("ada", PW).await;
    let root = app.session("root", PW).await;
    app.login("ada", "wrong-horse-42").await;
    // A detail a spreadsheet would run as a formula.
    app.sql(
        "INSERT INTO audit_log (id, created_at, actor_id, actor_name, target_id, action, outcome, detail) \
         VALUES ('0000-formula', 1000, NULL, '=HYPERLINK(\"x\")', NULL, 'settings.change', 'success', '{}')",
    )
    .await;

    let q = "/api/admin/audit?filter[action]=auth.sign_in&filter[outcome]=failure";
    let r = app.get(q, Some(&root), "application/json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    let entries = page["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["target"], "ada");
    assert!(entries[0]["utc"].as_str().expect("utc").ends_with('Z'));

    // Days: an id is made a moment before its row's time, so a row whose id
    // is from the last millisecond of the day before still belongs to its day.
    let day = 1_767_225_600_i64; // 2026-01-01
    let ms = day * 1000 - 5;
    app.sql(&format!(
        "INSERT INTO audit_log (id, created_at, actor_id, actor_name, target_id, action, outcome, detail) \
         VALUES ('{:08x}-{:04x}-7000-8000-000000000001', {day}, NULL, 'edge', NULL, 'settings.change', 'success', '{{}}')",
        ms >> 16,
        ms & 0xffff
    ))
    .await;
    let actors = |q: &'static str| {
        let (app, root) = (&app, &root);
        async move {
            let r = app.get(q, Some(root), "application/json").await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
            v["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .map(|e| e["actor"].as_str().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        actors("/api/admin/audit?filter[from]=2026-01-01&filter[to]=2026-01-01").await,
        ["edge"]
    );
    assert!(
        actors("/api/admin/audit?filter[from]=2026-01-02&filter[to]=2026-06-30")
            .await
            .is_empty()
    );
    assert_eq!(
        actors("/api/admin/audit?filter[to]=2025-12-31").await,
        ["=HYPERLINK(\"x\")"],
        "an old row, and nothing after the day"
    );

    let r = app
        .get(
            "/api/admin/audit?filter[target]=ada&filter[from]=not-a-day",
            Some(&root),
            "application/json",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    let r = app
        .get(
            "/api/admin/audit-export?target=ada",
            Some(&root),
            "text/csv",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.headers["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/csv"));
    let mut lines = r.body.lines();
    assert_eq!(
        lines.next(),
        Some("\u{feff}time_utc,actor,action,target,ip,user_agent,outcome,detail")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|l| l.contains("\"ada\"")), "{rows:?}");

    let r = app
        .get("/api/admin/audit-export", Some(&root), "text/csv")
        .await;
    assert!(
        r.body.contains("\"'=HYPERLINK(\"\"x\"\")\""),
        "formulas are defused: {}",
        r.body
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'audit.export'")
            .await,
        2
    );
}
