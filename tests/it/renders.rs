//! Page renders leave no task behind that outlives their reactive values:
//! renders whose browser goes away halfway (a closed tab, a click elsewhere:
//! `context::render_to_completion`), and the language context's effect after a
//! whole render (`app::Localized`).

use crate::common::TestApp;
use axum::body::Body;
use http::{header, Request, StatusCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Panics of a render's task that found the page's reactive values or context
/// gone ("… but it has already been disposed", "expected context of type … to
/// be present"), anywhere in the process, once the hook is set (by the first
/// of these tests to start; no other test can cause one).
static DISPOSED: AtomicUsize = AtomicUsize::new(0);

fn count_disposed_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let what = info.to_string();
            if what.contains("already been disposed") || what.contains("expected context of type") {
                DISPOSED.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

/// Each request renders its page: none is served from the page cache.
const UNKEPT: &[(&str, &str)] = &[("TESSERA_PAGE_CACHE_SECONDS", "0")];

fn profile(cookie: &str) -> Request<Body> {
    Request::get("/settings/profile")
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, format!("tessera_session={cookie}"))
        .body(Body::empty())
        .expect("request")
}

#[tokio::test]
async fn a_render_abandoned_halfway_panics_nowhere_and_the_next_one_is_whole() {
    count_disposed_panics();
    let app = TestApp::with_env(UNKEPT).await;
    app.create_user("gone", "right-horse-42").await;
    let cookie = app.session("gone", "right-horse-42").await;
    // How long a whole render takes here (the slowest of five).
    let mut whole = Duration::ZERO;
    for _ in 0..5 {
        let start = Instant::now();
        let page = app.send(profile(&cookie), None).await;
        assert_eq!(page.status, StatusCode::OK);
        whole = whole.max(start.elapsed());
    }
    // Dropped at moments spread over a render: before it starts, while its
    // data loads, while it is written. Without the fix, 29 of 400 panics
    // came from tasks of the pages whose values were disposed under them.
    let rounds = 400u32;
    for i in 0..rounds {
        app.abandon(profile(&cookie), whole * 3 / 2 * i / rounds)
            .await;
    }
    let page = app
        .get("/settings/profile", Some(&cookie), "text/html")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("</html>"), "{}", page.body);
    // Renders left running end within a render's time or so; this is many.
    tokio::time::sleep(whole * 20 + Duration::from_millis(200)).await;
    assert_eq!(
        DISPOSED.load(Ordering::SeqCst),
        0,
        "tasks panicked on disposed values"
    );
}

#[tokio::test]
async fn no_render_leaves_a_task_that_reads_its_language_after_it_ended() {
    count_disposed_panics();
    let app = TestApp::with_env(UNKEPT).await;
    // Whole renders, 16 at a time on the server's two worker threads. With the
    // language context's effect running on the server (the generated
    // `I18nSubContextProvider`), 5 to 7 of these 6,400 left a task that found
    // the ended render's language signal disposed; paused there, none.
    for _ in 0..400 {
        let renders = (0..16).map(|_| app.get("/login", None, "text/html"));
        for page in futures::future::join_all(renders).await {
            assert_eq!(page.status, StatusCode::OK);
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        DISPOSED.load(Ordering::SeqCst),
        0,
        "a render's language effect ran after the render ended"
    );
}
