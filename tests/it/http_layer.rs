//! Cross-cutting HTTP behaviour: CSRF, headers, redirects, health.

use crate::common;

use axum::body::Body;
use common::TestApp;
use http::{header, Request, StatusCode};

#[tokio::test]
async fn cross_site_state_changes_are_refused() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "null"),
    ] {
        let req = Request::post("/api/profile/names")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("tessera_session={id}"))
            .header(name, value)
            .body(Body::from("first_name=Mallory&last_name=&display_name="))
            .expect("request");
        let r = app.send(req, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {value}");
    }
    let user = tessera::server::db::users::find_by_username(&app.state.db, "ada")
        .await
        .expect("db")
        .expect("user");
    assert_eq!(user.first_name, "", "nothing may have changed");

    // Our own origin, and the Host the browser used, are accepted.
    let req = Request::post("/api/profile/names")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("tessera_session={id}"))
        .header(header::ORIGIN, "http://localhost:3000")
        .header(header::HOST, "localhost:3000")
        .body(Body::from("first_name=Ada&last_name=&display_name="))
        .expect("request");
    assert_eq!(app.send(req, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = TestApp::new().await;
    for path in ["/healthz", "/login", "/api/me"] {
        let r = app.get(path, None, "text/html").await;
        let csp = r
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            r.headers
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(http::HeaderValue::as_bytes),
            Some(&b"nosniff"[..]),
            "{path}"
        );
        assert!(r.headers.get(header::REFERRER_POLICY).is_some(), "{path}");
        assert!(r.headers.get("x-request-id").is_some(), "{path}");
    }
    for path in ["/login", "/api/me"] {
        let r = app.get(path, None, "text/html").await;
        assert_eq!(
            r.headers
                .get(header::CACHE_CONTROL)
                .map(http::HeaderValue::as_bytes),
            Some(&b"no-store"[..]),
            "{path}"
        );
    }
    // Pages allow their own inline hydration script by nonce, and only that.
    let page = app.get("/login", None, "text/html").await;
    assert_eq!(page.status, StatusCode::OK);
    let nonce = page.csp_nonce();
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "scripts must carry the nonce"
    );
}

#[tokio::test]
async fn protected_pages_redirect_to_sign_in_with_the_way_back() {
    let app = TestApp::new().await;
    let r = app.get("/settings/profile?tab=x", None, "text/html").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        r.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some("/login?next=/settings/profile%3Ftab%3Dx")
    );

    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = app.get("/settings/profile", Some(&id), "text/html").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("ada"));
    // Signed in, the sign-in page sends you on.
    let r = app.get("/login", Some(&id), "text/html").await;
    assert_eq!(r.status, StatusCode::FOUND);
}

fn location(r: &common::Reply) -> Option<&str> {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
}

/// `/` and `/settings` are redirects decided by the server before anything is
/// rendered: a streamed page that only a script could move on sometimes never
/// moved (the browser sat on `/` with an empty main area after signing in).
#[tokio::test]
async fn home_redirects_are_real_302s_whatever_is_accepted() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    for accept in ["text/html", "*/*"] {
        for path in ["/", "/settings", "/settings/"] {
            let r = app.get(path, Some(&id), accept).await;
            assert_eq!(r.status, StatusCode::FOUND, "{path} {accept}");
            assert_eq!(location(&r), Some("/settings/profile"), "{path}");
            assert!(r.body.is_empty(), "nothing rendered for {path}");

            let r = app.get(path, None, accept).await;
            assert_eq!(r.status, StatusCode::FOUND, "{path} signed out");
            assert_eq!(location(&r), Some("/login"), "{path} signed out");
        }
        // Signed out, any protected page, as curl asks for it.
        let r = app.get("/settings/tokens", None, accept).await;
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(location(&r), Some("/login?next=/settings/tokens"));
    }
    let req = Request::head("/settings/sessions")
        .body(Body::empty())
        .expect("request");
    let r = app.send(req, None).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(location(&r), Some("/login?next=/settings/sessions"));
}

#[tokio::test]
async fn signed_in_visitors_of_the_sign_in_page_go_where_next_says() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    for (next, to) in [
        ("", "/settings/profile"),
        ("?next=%2Fsettings%2Ftokens", "/settings/tokens"),
        ("?next=/settings/sessions", "/settings/sessions"),
        ("?next=%2F%2Fevil.example", "/settings/profile"),
        ("?next=%2F%09%2Fevil.example", "/settings/profile"),
        ("?next=https%3A%2F%2Fevil.example", "/settings/profile"),
    ] {
        let r = app
            .get(&format!("/login{next}"), Some(&id), "text/html")
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{next}");
        assert_eq!(location(&r), Some(to), "{next}");
    }
}

/// Without JavaScript the sign-in form posts to the server function, which answers
/// with a redirect straight to the final page (no hop through `/`).
#[tokio::test]
async fn sign_in_without_javascript_lands_on_the_final_page() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    for (next, to) in [
        (None, "/settings/profile"),
        (Some("/settings/tokens"), "/settings/tokens"),
    ] {
        let mut form = vec![("login", "ada"), ("password", "right-horse-42")];
        if let Some(n) = next {
            form.push(("next", n));
        }
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", common::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = Request::post("/api/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::ORIGIN, common::ORIGIN)
            .body(Body::from(body))
            .expect("request");
        let r = app.send(req, None).await;
        assert!(r.status.is_redirection(), "{:?}: {}", r.status, r.body);
        assert_eq!(location(&r), Some(to));
        assert!(r.session_cookie().is_some());
    }
}

#[tokio::test]
async fn next_cannot_point_off_site() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let r = app
        .post_form(
            "/api/login",
            &[
                ("login", "ada"),
                ("password", "right-horse-42"),
                ("next", "//evil.example/x"),
            ],
            None,
        )
        .await;
    assert_eq!(r.body, "\"/settings/profile\"");
    let r = app
        .post_form(
            "/api/login",
            &[
                ("login", "ada"),
                ("password", "right-horse-42"),
                ("next", "/settings/profile"),
            ],
            None,
        )
        .await;
    assert_eq!(r.body, "\"/settings/profile\"");
}

#[tokio::test]
async fn server_functions_need_a_session() {
    let app = TestApp::new().await;
    let r = app
        .post_form(
            "/api/profile/names",
            &[
                ("first_name", "x"),
                ("last_name", "y"),
                ("display_name", ""),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Unauthorized"), "{}", r.body);
    // A made-up cookie is no better.
    let fake = "ab".repeat(32);
    let r = app
        .post_form(
            "/api/profile/names",
            &[
                ("first_name", "x"),
                ("last_name", "y"),
                ("display_name", ""),
            ],
            Some(&fake),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::with_env(&[("TESSERA_MAX_BODY_BYTES", "2048")]).await;
    let body = format!("login={}&password=x", "x".repeat(4096));
    let req = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .expect("request");
    let r = app.send(req, None).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::new().await;
    assert_eq!(
        app.get("/healthz", None, "*/*").await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/readyz", None, "*/*").await.status, StatusCode::OK);
    app.state.db.close().await;
    let r = app.get("/readyz", None, "*/*").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    // A page request with a session cookie while the database is down: 503, no panic.
    let r = app
        .get("/settings/profile", Some(&"ab".repeat(32)), "text/html")
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn internal_errors_do_not_leak() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    // Make the write fail inside the database, with a message that must stay there.
    if common::on_postgres() {
        app.sql("CREATE FUNCTION broken() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'secret sql detail'; END $$ LANGUAGE plpgsql").await;
        app.sql(
            "CREATE TRIGGER broken BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION broken()",
        )
        .await;
    } else {
        app.sql("CREATE TRIGGER broken BEFORE UPDATE ON users BEGIN SELECT RAISE(ABORT, 'secret sql detail'); END").await;
    }
    let r = app
        .post_form(
            "/api/profile/names",
            &[
                ("first_name", "x"),
                ("last_name", "y"),
                ("display_name", ""),
            ],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    assert!(!r.body.to_lowercase().contains("sql"), "{}", r.body);
    assert!(!r.body.contains("secret"), "{}", r.body);
    let rid = r
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("request id");
    assert!(
        r.body.contains(rid),
        "the error names the request id: {}",
        r.body
    );
}

/// Signed-in pages arrive whole (rendered `Async`): the frame, the page and its
/// title are in the response, never a "Loading…" for a script to replace.
#[tokio::test]
async fn signed_in_pages_arrive_whole() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    for (path, title) in [
        ("/settings/profile", "Profile"),
        ("/settings/sessions", "Devices & sessions"),
        ("/settings/tokens", "API tokens"),
        ("/settings/two-factor", "Two-factor authentication"),
    ] {
        let r = app.get(path, Some(&id), "text/html").await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            r.body
                .contains(&format!("<title>{title} · Tessera</title>")),
            "{path}: {}",
            r.body
                .split("<title>")
                .nth(1)
                .unwrap_or("")
                .chars()
                .take(80)
                .collect::<String>()
        );
        assert!(r.body.contains(r#"<main id="main""#), "{path}");
        assert!(
            !r.body.contains("Loading…"),
            "{path} streamed a placeholder"
        );
    }
}

/// A signed-in page goes out gzip-compressed when the browser asks for it and
/// the request is the browser's own (typed, or from one of our pages); one that
/// another site set off is sent as it is, so no site can read a page's details
/// off the sizes of its compressed answers (BREACH). Streamed pages and server
/// functions are never compressed; the sign-in page is.
#[tokio::test]
async fn pages_are_compressed_only_for_requests_of_their_own_site() {
    /// Every name the answer's `Vary` headers list, sorted.
    fn vary(headers: &http::HeaderMap) -> Vec<String> {
        let mut names: Vec<String> = headers
            .get_all(header::VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|name| name.trim().to_ascii_lowercase())
            .collect();
        names.sort();
        names
    }
    use std::io::Read as _;
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let fetch = |path: &'static str, site: Option<&'static str>| {
        let mut req = Request::get(path)
            .header(header::ACCEPT, "text/html")
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
            .header(header::COOKIE, format!("tessera_session={id}"));
        if let Some(site) = site {
            req = req.header("sec-fetch-site", site);
        }
        let req = req.body(Body::empty()).expect("request");
        app.send(req, None)
    };
    // What a client that accepts no compression gets: the size to beat.
    let plain = app.get("/settings/profile", Some(&id), "text/html").await;
    assert_eq!(plain.status, StatusCode::OK);
    for site in ["none", "same-origin"] {
        let r = fetch("/settings/profile", Some(site)).await;
        assert_eq!(r.status, StatusCode::OK, "{site}");
        assert_eq!(
            r.headers
                .get(header::CONTENT_ENCODING)
                .map(http::HeaderValue::as_bytes),
            Some(&b"gzip"[..]),
            "{site}"
        );
        let mut page = String::new();
        flate2::read::GzDecoder::new(&r.bytes[..])
            .read_to_string(&mut page)
            .expect("a gzip body");
        assert!(page.contains("<title>Profile · Tessera</title>"), "{site}");
        assert!(
            r.bytes.len() * 3 < plain.bytes.len(),
            "{site}: {} of {} bytes",
            r.bytes.len(),
            plain.bytes.len()
        );
        // The security headers are those of the uncompressed page.
        assert!(r.headers.get("content-security-policy").is_some(), "{site}");
        assert_eq!(
            vary(&r.headers),
            ["accept-encoding", "sec-fetch-site"],
            "{site}"
        );
        assert_eq!(
            r.headers
                .get(header::CACHE_CONTROL)
                .map(http::HeaderValue::as_bytes),
            Some(&b"no-store"[..]),
            "{site}"
        );
    }
    // Another site's request, one that does not say, and an address with a
    // query (which a page may echo: guesses an attacker could put there) go
    // uncompressed, even when asked for by our own page.
    for (path, site) in [
        ("/settings/profile", Some("cross-site")),
        ("/settings/profile", Some("same-site")),
        ("/settings/profile", None),
        ("/settings/profile?guess=ada%40", Some("same-origin")),
    ] {
        let r = fetch(path, site).await;
        assert_eq!(r.status, StatusCode::OK, "{path} {site:?}");
        assert!(
            r.headers.get(header::CONTENT_ENCODING).is_none(),
            "{path} {site:?}"
        );
        assert!(
            r.body.contains("<title>Profile · Tessera</title>"),
            "{path} {site:?}"
        );
        assert!(
            vary(&r.headers).contains(&"sec-fetch-site".to_string()),
            "{path} {site:?}"
        );
    }
    // The sign-in page, rendered whole too, holds nobody's secret and is
    // compressed; a page opened from a mailed link (its token in the query) is
    // not.
    for (path, coding) in [("/login", Some(&b"gzip"[..])), ("/confirm-email", None)] {
        let req = Request::get(path)
            .header(header::ACCEPT, "text/html")
            .header(header::ACCEPT_ENCODING, "gzip")
            .header("sec-fetch-site", "none")
            .body(Body::empty())
            .expect("request");
        let r = app.send(req, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(
            r.headers
                .get(header::CONTENT_ENCODING)
                .map(http::HeaderValue::as_bytes),
            coding,
            "{path}"
        );
    }
    // A server function's answer is not compressed either.
    let req = Request::get("/api/sessions/list")
        .header(header::ACCEPT, "application/json")
        .header(header::ACCEPT_ENCODING, "gzip")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, format!("tessera_session={id}"))
        .body(Body::empty())
        .expect("request");
    let r = app.send(req, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("\"id\""), "{}", r.body);
    assert!(r.headers.get(header::CONTENT_ENCODING).is_none());
}

/// Building a router while someone's page renders must not stall that page.
/// Listing the routes renders the app under a process-wide "do not load
/// resources" switch (leptos-rs/leptos#4773); when every router listed them
/// anew, a signed-in page whose resource was first polled meanwhile never
/// finished (the suite hung about one run in seven). Routes are listed once.
#[tokio::test]
async fn building_routers_never_stalls_a_page_being_rendered() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let state = app.state.clone();
    let builder = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(async {
            for _ in 0..200 {
                drop(tessera::server::app(state.clone()));
                tokio::task::yield_now().await;
            }
        });
    });
    for i in 0..40 {
        let r = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            app.get("/settings/profile", Some(&id), "text/html"),
        )
        .await
        .unwrap_or_else(|_| panic!("render {i} never finished"));
        assert_eq!(r.status, StatusCode::OK);
    }
    builder.join().expect("router builder");
}

/// Every signed-in page, rendered whole on the server, runs each server function
/// it needs once. `<Suspense>` walks its children twice before rendering them,
/// and the layout's children were a closure, called again on every walk: each
/// page was built three times per request, its lists queried three times and
/// two of the answers thrown away.
#[tokio::test]
async fn a_page_render_runs_each_server_function_once() {
    use tessera::server::infra::{context::PUBLIC_PAGES, router::page_paths};
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    common::promote(&app, "ada").await;
    let id = app.session("ada", "right-horse-42").await;
    let pages: Vec<String> = page_paths()
        .into_iter()
        // "/" and "/settings" only redirect.
        .filter(|p| !PUBLIC_PAGES.contains(&p.as_str()) && p != "/" && p != "/settings")
        .collect();
    assert!(pages.len() >= 15, "{pages:?}");
    let mut twice = Vec::new();
    for page in pages {
        let before = app.state.calls.snapshot();
        let r = app.get(&page, Some(&id), "text/html").await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        let ran: Vec<(&str, u64)> = app
            .state
            .calls
            .snapshot()
            .into_iter()
            .map(|(name, n)| (name, n - before.get(name).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        assert!(
            ran.iter()
                .any(|(name, _)| name.contains("get_current_user")),
            "{page}: {ran:?}"
        );
        if ran.iter().any(|(_, n)| *n != 1) {
            twice.push(format!("{page}: {ran:?}"));
        }
    }
    assert!(twice.is_empty(), "{twice:#?}");
}
