//! Notifications (§8) end to end: producers land in exactly the channels of
//! the person's matrix; mail carries a one-click unsubscribe link; Slack
//! messages reach a webhook on loopback, failures are retried and then the
//! webhook is marked broken; the delivery queue sends each item once with
//! two workers and after a worker died; reminders go out once; the event
//! stream yields an event for a new notification.

use crate::common::{self, hook::Receiver, smtp::Sink, TestApp};
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tessera::server::db::outbox;
use tessera::server::notifications::{self, reminders, worker};

async fn app_with_sinks() -> (TestApp, Sink, Receiver) {
    let sink = Sink::start().await;
    let hook = Receiver::start().await;
    let app = TestApp::with_env(&[
        ("TESSERA_SMTP_URL", &sink.url()),
        ("TESSERA_ALLOW_INSECURE_WEBHOOKS", "true"),
    ])
    .await;
    (app, sink, hook)
}

async fn deliver(app: &TestApp) -> usize {
    app.state.background.settle().await;
    worker::deliver_due(&app.state).await.expect("deliver")
}

async fn set_cell(app: &TestApp, cookie: &str, area: &str, channel: &str, on: bool) {
    let r = app
        .post_form(
            "/api/notifications/preference",
            &[
                ("area", area),
                ("channel", channel),
                ("enabled", if on { "true" } else { "false" }),
            ],
            Some(cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn set_webhook(app: &TestApp, cookie: &str, url: &str) -> common::Reply {
    app.post_form(
        "/api/notifications/slack/set",
        &[("url", url)],
        Some(cookie),
    )
    .await
}

async fn create_token(app: &TestApp, cookie: &str, name: &str) {
    let r = app
        .post_form(
            "/api/tokens/create",
            &[
                ("name", name),
                ("days", "30"),
                ("scope", "read"),
                ("allowed_ips", ""),
            ],
            Some(cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_producer_lands_in_exactly_the_chosen_channels() {
    let (app, sink, hook) = app_with_sinks().await;
    app.create_user("ada", "right-horse-42").await;
    let cookie = app.session("ada", "right-horse-42").await;
    let r = set_webhook(&app, &cookie, &hook.url()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("\"last4\":\"hook\""), "{}", r.body);
    assert!(
        !r.body.contains("127.0.0.1"),
        "the URL is never sent back: {}",
        r.body
    );
    // The URL is stored sealed, not in the clear.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM slack_webhooks WHERE url_sealed LIKE '%127.0.0.1%'")
            .await,
        0
    );

    // Security: email off, Slack on (in-app stays on: it is locked).
    set_cell(&app, &cookie, "security", "email", false).await;
    set_cell(&app, &cookie, "security", "slack", true).await;
    create_token(&app, &cookie, "ci").await;
    deliver(&app).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE title = 'A new API token was created'")
            .await,
        1
    );
    assert!(sink.to("ada@example.org").is_empty(), "no mail was chosen");
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(bodies[0]["text"], "[Security] A new API token was created");
    assert!(bodies[0]["blocks"][0]["text"]["text"]
        .as_str()
        .expect("section")
        .contains("ci"));

    // Email on, Slack off: the next one goes by mail only.
    set_cell(&app, &cookie, "security", "email", true).await;
    set_cell(&app, &cookie, "security", "slack", false).await;
    create_token(&app, &cookie, "deploy").await;
    deliver(&app).await;
    assert_eq!(hook.bodies().len(), 1);
    let mails = sink.to("ada@example.org");
    assert_eq!(mails.len(), 1);
    assert!(mails[0]
        .data
        .contains("[Security] A new API token was created"));
}

#[tokio::test]
async fn one_click_unsubscribe_turns_off_just_that_cell() {
    let (app, sink, _hook) = app_with_sinks().await;
    let ada = app.create_user("ada", "right-horse-42").await;
    let cookie = app.session("ada", "right-horse-42").await;
    // A security notice carries no one-click link: turning those off takes
    // the settings page and the password.
    create_token(&app, &cookie, "ci").await;
    // News in the Alerts area (mailed by default) carries one.
    let notice = notifications::Notice {
        area: tessera::model::NotificationArea::Alerts,
        title: "Disk almost full".into(),
        body: "Clean up by Friday.".into(),
        advice: String::new(),
        link: String::new(),
    };
    notifications::deliver(&app.state, &ada, &notice)
        .await
        .expect("deliver");
    deliver(&app).await;
    let mails = sink.to("ada@example.org");
    assert_eq!(mails.len(), 2);
    let security = mails
        .iter()
        .find(|m| m.data.contains("[Security]"))
        .expect("security mail");
    assert!(
        !security.data.contains("List-Unsubscribe"),
        "{}",
        security.data
    );
    let alert = mails
        .iter()
        .find(|m| m.data.contains("[Alerts] Disk almost full"))
        .expect("alert mail");
    // Headers may be folded over several lines.
    let data = alert.data.replace("\r\n ", " ").replace("\n ", " ");
    assert!(
        data.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{data}"
    );
    let start = data.find("List-Unsubscribe: <").expect("header") + "List-Unsubscribe: <".len();
    let link: String = data[start..].chars().take_while(|c| *c != '>').collect();
    let link = link.replace(' ', "");
    let path = link.strip_prefix(common::ORIGIN).expect("our link");
    assert!(path.starts_with("/unsubscribe?t="), "{path}");

    // Opening the link (a GET) changes nothing.
    let r = app.get(path, None, "text/html").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Stop Alerts emails"), "{}", r.body);

    // A tampered link is refused (its last character changed: to '0', or
    // to '1' when it was a '0' already, which left the link intact now and then).
    let swap = if path.ends_with('0') { '1' } else { '0' };
    let bad = format!("{}{swap}", &path[..path.len() - 1]);
    let one_click = |p: String| {
        Request::post(p)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
            .expect("request")
    };
    let r = app.send(one_click(bad), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // The mail program's one-click POST: no session, no Origin.
    let r = app.send(one_click(path.to_string()), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cells = app
        .get(
            "/api/notifications/preferences",
            Some(&cookie),
            "application/json",
        )
        .await;
    let cells: serde_json::Value = serde_json::from_str(&cells.body).expect("json");
    let on = |area: &str, channel: &str| {
        cells
            .as_array()
            .expect("cells")
            .iter()
            .find(|c| c["area"] == area && c["channel"] == channel)
            .expect("cell")["enabled"]
            .clone()
    };
    assert_eq!(on("alerts", "email"), false);
    assert_eq!(on("security", "email"), true);
    assert_eq!(on("alerts", "in_app"), true);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'notifications.preference'")
            .await,
        1
    );
    // A link stops working once the account's address changed.
    app.sql("UPDATE users SET email = 'ada@new.example' WHERE username = 'ada'")
        .await;
    let r = app.send(one_click(path.to_string()), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn silencing_security_notices_takes_the_password() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let cookie = app.session("ada", "right-horse-42").await;
    app.sql("UPDATE sessions SET sudo_at = sudo_at - 601").await;
    let off = |channel: &'static str| {
        let (app, cookie) = (&app, &cookie);
        async move {
            app.post_form(
                "/api/notifications/preference",
                &[
                    ("area", "security"),
                    ("channel", channel),
                    ("enabled", "false"),
                ],
                Some(cookie),
            )
            .await
        }
    };
    let r = off("email").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("ReauthRequired"), "{}", r.body);
    // Removing the Slack webhook silences Security messages just as well.
    let r = app
        .post_form("/api/notifications/slack/remove", &[], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("ReauthRequired"), "{}", r.body);
    // Other areas need nothing.
    let r = app
        .post_form(
            "/api/notifications/preference",
            &[
                ("area", "alerts"),
                ("channel", "email"),
                ("enabled", "false"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // With the password entered again, it goes through.
    let r = app
        .post_form(
            "/api/sudo",
            &[("password", "right-horse-42")],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let renewed = r.session_cookie().expect("renewed session");
    let r = app
        .post_form(
            "/api/notifications/preference",
            &[
                ("area", "security"),
                ("channel", "email"),
                ("enabled", "false"),
            ],
            Some(&renewed),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn webhooks_are_checked_and_the_test_message_reports_failures() {
    let (app, _sink, hook) = app_with_sinks().await;
    app.create_user("ada", "right-horse-42").await;
    let cookie = app.session("ada", "right-horse-42").await;
    for bad in [
        "http://hooks.slack.com/services/T/B/X",
        "https://example.org/services/T/B/X",
        "http://10.1.2.3/hook",
        "not a url",
    ] {
        let r = set_webhook(&app, &cookie, bad).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
        assert!(r.body.contains("hooks.slack.com"), "{}", r.body);
    }
    // Setting one needs a recent password, like other security settings.
    app.sql("UPDATE sessions SET sudo_at = sudo_at - 601").await;
    let r = set_webhook(&app, &cookie, &hook.url()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    app.sql("UPDATE sessions SET sudo_at = sudo_at + 601").await;
    assert_eq!(
        set_webhook(&app, &cookie, &hook.url()).await.status,
        StatusCode::OK
    );

    let r = app
        .post_form("/api/notifications/slack/test", &[], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(hook.bodies().len(), 1);
    assert_eq!(
        hook.bodies()[0]["text"],
        "[Alerts] Test message from Tessera"
    );

    hook.answer(404);
    let r = app
        .post_form("/api/notifications/slack/test", &[], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("HTTP 404"), "the exact failure: {}", r.body);
}

#[tokio::test]
async fn a_failing_webhook_is_retried_then_marked_broken_and_its_owner_told() {
    let (app, _sink, hook) = app_with_sinks().await;
    let ada = app.create_user("ada", "right-horse-42").await;
    let cookie = app.session("ada", "right-horse-42").await;
    assert_eq!(
        set_webhook(&app, &cookie, &hook.url()).await.status,
        StatusCode::OK
    );
    set_cell(&app, &cookie, "security", "slack", true).await;
    hook.answer(500);
    create_token(&app, &cookie, "ci").await;
    deliver(&app).await;
    // Failed once, kept for a later attempt.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE channel = 'slack' AND status = 'pending' AND attempts = 1 AND last_error = 'HTTP 500'")
            .await,
        1
    );
    // The receiver recovers: the retry goes through.
    hook.answer(200);
    app.sql("UPDATE outbox SET next_attempt_at = 0 WHERE channel = 'slack'")
        .await;
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(hook.bodies().len(), 1);

    // Now it fails for longer than the configured day.
    hook.answer(500);
    create_token(&app, &cookie, "deploy").await;
    create_token(&app, &cookie, "backup").await;
    deliver(&app).await;
    app.sql(&format!(
        "UPDATE slack_webhooks SET failing_since = failing_since - 86400 WHERE user_id = '{}'",
        ada.id.as_str()
    ))
    .await;
    app.sql("UPDATE outbox SET next_attempt_at = 0 WHERE channel = 'slack' AND status = 'pending'")
        .await;
    deliver(&app).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM slack_webhooks WHERE broken_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE channel = 'slack' AND status = 'pending'")
            .await,
        0,
        "nothing waits for a broken webhook"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE title = 'Slack messages stopped'")
            .await,
        1,
        "the owner is told once, in the app"
    );
    let r = app
        .get(
            "/api/notifications/slack",
            Some(&cookie),
            "application/json",
        )
        .await;
    assert!(r.body.contains("\"broken\":true"), "{}", r.body);
    // "Retry" sends a test message; once it goes through, deliveries resume.
    hook.answer(200);
    let r = app
        .post_form("/api/notifications/slack/test", &[], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("\"broken\":false"), "{}", r.body);
}

#[tokio::test]
async fn two_workers_send_each_item_once_and_a_dead_workers_lease_runs_out() {
    let (app, _sink, hook) = app_with_sinks().await;
    let ada = app.create_user("ada", "right-horse-42").await;
    let cookie = app.session("ada", "right-horse-42").await;
    assert_eq!(
        set_webhook(&app, &cookie, &hook.url()).await.status,
        StatusCode::OK
    );
    for i in 0..30 {
        let title = format!("item {i}");
        outbox::enqueue(
            &app.state.db,
            outbox::New {
                channel: "slack",
                user_id: &ada.id,
                to: "",
                subject: &title,
                body: &serde_json::json!({ "text": title }).to_string(),
                unsubscribe: "",
            },
        )
        .await
        .expect("enqueue");
    }
    // A worker that claimed one and died: its lease holds the item back...
    let first = outbox::due(&app.state.db, &["slack"], 1)
        .await
        .expect("due");
    let dead_lease = outbox::claim(&app.state.db, &first[0].id, 60)
        .await
        .expect("claim")
        .expect("the first claim wins");
    assert!(
        outbox::claim(&app.state.db, &first[0].id, 60)
            .await
            .expect("claim")
            .is_none(),
        "a second claim loses while the lease runs"
    );
    // "Retry now" leaves an item a worker holds alone: it is being sent.
    assert!(!outbox::due_now(&app.state.db, &first[0].id)
        .await
        .expect("due now"));
    // ...while two workers race over the rest.
    let (a, b) = tokio::join!(
        worker::deliver_due(&app.state),
        worker::deliver_due(&app.state)
    );
    let (a, b) = (a.expect("a"), b.expect("b"));
    // Each worker takes at most a batch of 20 per round; go on until done.
    let mut sent = a + b;
    while sent < 29 {
        sent += worker::deliver_due(&app.state).await.expect("more");
    }
    assert_eq!(sent, 29);
    // The dead worker's lease ends: the item goes out after all, once.
    app.sql(&format!(
        "UPDATE outbox SET next_attempt_at = 0 WHERE id = '{}'",
        first[0].id
    ))
    .await;
    assert_eq!(worker::deliver_due(&app.state).await.expect("late"), 1);
    // The dead worker wakes up and reports a failure under its old lease:
    // nothing changes, the item stays delivered.
    outbox::mark_failed(&app.state.db, &first[0].id, &dead_lease, "late", Some(0))
        .await
        .expect("late report");
    assert!(!outbox::mark_sent(&app.state.db, &first[0].id, &dead_lease)
        .await
        .expect("late report"));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE id = '{}' AND status = 'sent' AND last_error = ''",
            first[0].id
        ))
        .await,
        1
    );
    let mut texts: Vec<String> = hook
        .bodies()
        .iter()
        .map(|b| b["text"].as_str().unwrap_or("").to_string())
        .collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 30, "each of the 30 once");
    assert_eq!(hook.bodies().len(), 30, "and nothing twice");
}

#[tokio::test]
async fn token_expiry_reminders_are_sent_once_each() {
    let (app, sink, _hook) = app_with_sinks().await;
    app.create_user("ada", "right-horse-42").await;
    let cookie = app.session("ada", "right-horse-42").await;
    create_token(&app, &cookie, "ci").await;
    let now = tessera::server::db::now();
    // A 30-day token with six days left.
    app.sql(&format!(
        "UPDATE api_tokens SET created_at = {}, expires_at = {}",
        now - 24 * 86_400,
        now + 6 * 86_400
    ))
    .await;
    // Run twice in a row and twice at once: one reminder.
    assert_eq!(reminders::run_once(&app.state).await.expect("run"), 1);
    let (a, b) = tokio::join!(
        reminders::run_once(&app.state),
        reminders::run_once(&app.state)
    );
    assert_eq!(a.expect("a") + b.expect("b"), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE title LIKE '%expires in 7 days'")
            .await,
        1
    );
    // Its last day: the second reminder, once.
    app.sql(&format!(
        "UPDATE api_tokens SET expires_at = {}",
        now + 3600
    ))
    .await;
    assert_eq!(reminders::run_once(&app.state).await.expect("run"), 1);
    assert_eq!(reminders::run_once(&app.state).await.expect("run"), 0);
    let link = app
        .count("SELECT COUNT(*) FROM notifications WHERE title LIKE '%expires today' AND link LIKE '/settings/tokens#token-%'")
        .await;
    assert_eq!(link, 1, "the reminder links to the token");
    deliver(&app).await;
    let mails = sink.to("ada@example.org");
    let reminders: Vec<_> = mails
        .iter()
        .filter(|m| m.data.contains("expires"))
        .collect();
    assert_eq!(reminders.len(), 2, "one mail per reminder");
}

#[tokio::test]
async fn notices_are_written_in_the_readers_language() {
    let (app, sink, _hook) = app_with_sinks().await;
    app.create_user("ada", "right-horse-42").await;
    let cookie = app.session("ada", "right-horse-42").await;
    app.sql("UPDATE users SET language = 'de' WHERE username = 'ada'")
        .await;
    create_token(&app, &cookie, "ci").await;
    deliver(&app).await;
    let mails = sink.to("ada@example.org");
    assert_eq!(mails.len(), 1);
    let text = mails[0].data.replace("=\r\n", "").replace("=\n", "");
    assert!(text.contains("Sicherheit"), "{text}");
}

#[tokio::test]
async fn a_sign_in_from_a_new_device_is_announced() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    // The first sign-in ever: nothing to compare with.
    app.session("ada", "right-horse-42").await;
    // The same browser and address again: nothing new.
    app.session("ada", "right-horse-42").await;
    let new_sign_ins =
        "SELECT COUNT(*) FROM notifications WHERE title = 'New sign-in to your account'";
    assert_eq!(app.count(new_sign_ins).await, 0);
    // Another address.
    let r = app
        .post_form_from(
            "/api/login",
            &[("login", "ada"), ("password", "right-horse-42")],
            None,
            Some("192.0.2.7"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.count(new_sign_ins).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE body LIKE '%192.0.2.7%'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_event_stream_yields_an_event_for_a_new_notification() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada", "right-horse-42").await;
    let cookie = app.session("ada", "right-horse-42").await;
    // Without a session: refused.
    let r = app
        .get("/api/events/notifications", None, "text/event-stream")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let mut req = Request::get("/api/events/notifications")
        .header(header::ACCEPT, "text/event-stream")
        .header(header::COOKIE, format!("tessera_session={cookie}"))
        .body(axum::body::Body::empty())
        .expect("request");
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    let res = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE].to_str().expect("type"),
        "text/event-stream"
    );
    let mut body = res.into_body();
    let mut next_event = async || loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
            .await
            .expect("an event within 5 s")
            .expect("stream open")
            .expect("frame");
        if let Ok(data) = frame.into_data() {
            let text = String::from_utf8_lossy(&data).into_owned();
            if text.contains("event: unread") {
                return text;
            }
        }
    };
    // At once: the current count.
    let first = next_event().await;
    assert!(first.contains("\"unread\":0"), "{first}");
    // A new notification for her: an event with the new count and id.
    let notice = notifications::Notice {
        area: tessera::model::NotificationArea::Alerts,
        title: "Disk almost full".into(),
        body: String::new(),
        advice: String::new(),
        link: String::new(),
    };
    notifications::deliver(&app.state, &ada, &notice)
        .await
        .expect("deliver");
    let second = next_event().await;
    assert!(second.contains("\"unread\":1"), "{second}");
    let id: (String,) =
        sqlx::query_as("SELECT id FROM notifications WHERE title = 'Disk almost full'")
            .fetch_one(&app.state.db)
            .await
            .expect("id");
    assert!(second.contains(&format!("id: {}", id.0)), "{second}");
}
