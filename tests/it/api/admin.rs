//! Administrators see and revoke every token.

use super::*;

#[tokio::test]
async fn admins_see_and_revoke_every_token() {
    let app = TestApp::new().await;
    app.create_user("bob", PW).await;
    let root = app.create_user("root", PW).await;
    app.sql(&format!(
        "UPDATE users SET role = 'admin' WHERE id = '{}'",
        root.id
    ))
    .await;
    let b = app.session("bob", PW).await;
    let r = app.session("root", PW).await;
    let (bob_id, bobs) = token(&app, &b, "bob's", "read", "").await;
    // Creating it told Bob (a security notice); only the revocation counts below.
    app.sql("DELETE FROM notifications").await;
    let (_, admin) = token(&app, &r, "admin", "write", "").await;

    let list = api(
        &app,
        Method::GET,
        "/api/v1/admin/tokens",
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
    let v: Value = serde_json::from_str(&list.body).expect("json");
    assert!(v
        .as_array()
        .expect("array")
        .iter()
        .any(|t| t["owner"] == "bob" && t["name"] == "bob's"));
    let users = api(
        &app,
        Method::GET,
        "/api/v1/admin/users",
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert!(users.body.contains("\"username\":\"bob\""));

    let d = api(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/tokens/{bob_id}"),
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.body);
    assert_eq!(
        api(&app, Method::GET, "/api/v1/me", &bearer(&bobs), None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Audited as data: the owner's copy, and the admin's naming bob as the target.
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'token.admin_revoke' AND outcome = 'revoked_by_admin' AND actor_name = 'bob' AND detail LIKE '%\"owner\":\"bob\"%'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'token.admin_revoke' AND outcome = 'success' AND target_id = (SELECT id FROM users WHERE username = 'bob') AND detail LIKE '%\"name\":\"bob''s\"%'").await, 1);
    // Bob is told in-app, through a credential that still works.
    let (_, bob_reader) = token(&app, &b, "reader", "read", "").await;
    app.sql("DELETE FROM notifications WHERE title LIKE 'A new API token%'")
        .await;
    let n = api(
        &app,
        Method::GET,
        "/api/v1/me/notifications",
        &bearer(&bob_reader),
        None,
        None,
    )
    .await;
    let v: Value = serde_json::from_str(&n.body).expect("json");
    assert_eq!(v["unread"], 1, "{}", n.body);
    assert_eq!(v["notifications"][0]["area"], "security");
    assert!(v["notifications"][0]["title"]
        .as_str()
        .expect("title")
        .contains("bob's"));
    let d = api(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/tokens/{bob_id}"),
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(d.status, StatusCode::NOT_FOUND);
    // The admin server function too, and only for admins.
    let (bob2, _) = token(&app, &b, "again", "read", "").await;
    assert_eq!(
        app.post_form("/api/admin/tokens/revoke", &[("id", &bob2)], Some(&b))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form("/api/admin/tokens/revoke", &[("id", &bob2)], Some(&r))
            .await
            .status,
        StatusCode::OK
    );
}

/// The users and audit endpoints an operator scripts: list with a search,
/// create, change role and state, read the audit log — administrators only.
#[tokio::test]
async fn operators_script_users_and_read_the_audit_log() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    app.create_user("ada", PW).await;
    let (_, admin) = token(&app, &app.session("root", PW).await, "ops", "write", "").await;
    let (_, user) = token(&app, &app.session("ada", PW).await, "mine", "write", "").await;

    let r = api(
        &app,
        Method::GET,
        "/api/v1/admin/users?q=AD",
        &bearer(&user),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'admin.denied' AND actor_name = 'ada' \
             AND detail LIKE '%/api/v1/admin/users%'"
        )
        .await,
        1,
        "a refused admin call is audited"
    );
    let r = api(
        &app,
        Method::GET,
        "/api/v1/admin/users?q=AD",
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(v["users"].as_array().expect("users").len(), 1);
    assert_eq!(v["users"][0]["username"], "ada");
    let ada = v["users"][0]["id"].as_str().expect("id").to_string();

    let r = api(
        &app,
        Method::POST,
        "/api/v1/admin/users",
        &bearer(&admin),
        Some(json!({"username": "bob", "email": "bob@example.org"})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json_of(&r)["role"], "user");
    // The page after a cursor, given as `after=` or `cursor=`.
    let cursor = common::encode(&format!("ada|{ada}"));
    for key in ["after", "cursor"] {
        let r = api(
            &app,
            Method::GET,
            &format!("/api/v1/admin/users?{key}={cursor}"),
            &bearer(&admin),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let names: Vec<String> = json_of(&r)["users"]
            .as_array()
            .expect("users")
            .iter()
            .map(|u| u["username"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(names, ["bob", "root"], "{key}");
    }

    let patch = |body: Value| {
        let (app, admin, ada) = (&app, &admin, &ada);
        async move {
            api(
                app,
                Method::PATCH,
                &format!("/api/v1/admin/users/{ada}"),
                &bearer(admin),
                Some(body),
                None,
            )
            .await
        }
    };
    assert_eq!(
        patch(json!({"role": "owner"})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        patch(json!({"disabled": true})).await.status,
        StatusCode::NO_CONTENT
    );
    // Her token stops at once.
    let r = api(&app, Method::GET, "/api/v1/me", &bearer(&user), None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        patch(json!({"disabled": false, "role": "admin"}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM users WHERE username = 'ada' AND role = 'admin' AND disabled = 0"
        )
        .await,
        1
    );

    let r = api(
        &app,
        Method::GET,
        "/api/v1/admin/audit?action=user.disable&target=ada",
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json_of(&r);
    assert_eq!(v["entries"].as_array().expect("entries").len(), 2);
    assert_eq!(v["entries"][0]["actor"], "root");
}

fn json_of(r: &crate::common::Reply) -> Value {
    serde_json::from_str(&r.body).expect("json")
}

/// Admin › Tokens and `GET /api/v1/admin/tokens` filter on the server and
/// page by keyset: every credential once, newest first, whatever the page.
#[tokio::test]
async fn every_token_pages_and_filters_on_the_server() {
    use tessera::server::db::now;
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    app.create_user("ada", PW).await;
    app.create_user("bob", PW).await;
    let root = app.session("root", PW).await;
    let (_, admin) = token(&app, &root, "ops", "write", "").await;
    // 120 of Ada's tokens, every 10th expired, every 3rd unused for 100 days;
    // 7 of Bob's app passwords, one idle; all made at distinct past times.
    let day = 86_400;
    app.sql(&format!(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 120) \
         INSERT INTO api_tokens (id, user_id, name, shown, digest, scope, allowed_ips, created_at, expires_at, last_used_at) \
         SELECT 'tok-' || (1000 + n), (SELECT id FROM users WHERE username = 'ada'), 'ada-' || (1000 + n), 'tsr_x', \
         'digest-' || n, 'read', '', {now} - 100 * {day} - n, \
         CASE WHEN n % 10 = 0 THEN {now} - 1 ELSE {now} + 30 * {day} END, \
         CASE WHEN n % 3 = 0 THEN NULL ELSE {now} - {day} END FROM seq",
        now = now(),
    ))
    .await;
    app.sql(&format!(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 7) \
         INSERT INTO app_passwords (id, user_id, name, digest, created_at, last_used_at) \
         SELECT 'app-' || n, (SELECT id FROM users WHERE username = 'bob'), 'bob-' || n, 'adigest-' || n, \
         {now} - 100 * {day} - n, CASE WHEN n = 1 THEN NULL ELSE {now} - {day} END FROM seq",
        now = now(),
    ))
    .await;

    // The screen's server function: 50 a page, cursor to cursor.
    let page = |q: String| {
        let (app, root) = (&app, &root);
        async move {
            let r = app.get(&q, Some(root), "application/json").await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
            serde_json::from_str::<Value>(&r.body).expect("json")
        }
    };
    let names = |v: &Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .expect("list")
            .iter()
            .map(|row| row[1]["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let mut seen = Vec::new();
    let mut q = "/api/admin/tokens/list?query[owner]=AD".to_string();
    loop {
        let v = page(q.clone()).await;
        let got = names(&v, "tokens");
        assert!(got.len() <= 50);
        seen.extend(got);
        let Some(next) = v["next"].as_str() else {
            break;
        };
        q = format!(
            "/api/admin/tokens/list?query[owner]=AD&after={}",
            common::encode(next)
        );
    }
    let expected: Vec<String> = (1001..=1120).map(|n| format!("ada-{n}")).collect();
    assert_eq!(seen, expected, "newest first, each once");
    let expired = page("/api/admin/tokens/list?query[state]=expired".into()).await;
    assert_eq!(names(&expired, "tokens").len(), 12);
    let idle = page("/api/admin/tokens/list?query[owner]=ada&query[state]=idle".into()).await;
    assert_eq!(names(&idle, "tokens").len(), 40);
    let none = page("/api/admin/tokens/list?query[owner]=bob".into()).await;
    assert!(names(&none, "tokens").is_empty());
    let apps =
        page("/api/admin/app-passwords/list?query[owner]=bob&query[state]=idle".into()).await;
    assert_eq!(names(&apps, "app_passwords"), ["bob-1"]);
    let apps = page("/api/admin/app-passwords/list?query[state]=expired".into()).await;
    assert!(
        names(&apps, "app_passwords").is_empty(),
        "app passwords never expire"
    );
    let r = app
        .get(
            "/api/admin/tokens/list?query[owner]=&after=nonsense",
            Some(&root),
            "application/json",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = app
        .get(
            "/api/admin/tokens/list?query[state]=idl",
            Some(&root),
            "application/json",
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a typo is not \"any\": {}",
        r.body
    );

    // The REST call: 100 a page, the next one in a `Link` header.
    let mut seen = 0;
    let mut path = "/api/v1/admin/tokens?owner=ada".to_string();
    loop {
        let r = api(&app, Method::GET, &path, &bearer(&admin), None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v: Value = serde_json::from_str(&r.body).expect("json");
        let n = v.as_array().expect("array").len();
        assert!(n <= 100);
        seen += n;
        let Some(link) = r.headers.get("link") else {
            break;
        };
        let link = link.to_str().expect("link");
        assert!(link.ends_with(">; rel=\"next\""), "{link}");
        path = link
            .trim_start_matches('<')
            .split('>')
            .next()
            .expect("url")
            .to_string();
        assert!(
            path.starts_with("/api/v1/admin/tokens?owner=ada&cursor="),
            "{path}"
        );
    }
    assert_eq!(seen, 120);
    let r = api(
        &app,
        Method::GET,
        "/api/v1/admin/tokens?state=expired",
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&r.body)
            .expect("json")
            .as_array()
            .map(Vec::len),
        Some(12)
    );
}
