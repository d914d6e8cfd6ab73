//! The bell's live feed: a server-sent event stream per open page that says
//! how many notifications are unread, sent when it opens and whenever that
//! may have changed.
//!
//! On one server a `tokio::sync::broadcast` channel carries "something changed
//! for user X" to every open stream. With several servers on one PostgreSQL
//! database the news goes out as `NOTIFY tessera_live` and every server
//! (this one included) feeds what it hears into its own channel, so a
//! broadcast made on server A lights the bell of a page served by server B.

use crate::server::db;
use crate::server::infra::context::RequestCtx;
use crate::server::infra::live::{Admitted, Change};
use crate::server::infra::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::stream::{self, Stream};
use http::StatusCode;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;

/// The PostgreSQL channel of live news. Payload: the sending server's name and
/// a user id, or `*` for everyone.
pub const CHANNEL: &str = "tessera_live";

/// Tells open streams that `user_id`'s notifications (or everyone's, for
/// None) changed: this server's at once, the other servers' (on PostgreSQL)
/// through `NOTIFY`.
pub async fn publish(state: &AppState, user_id: Option<&str>) {
    let change = match user_id {
        Some(id) => Change::User(id.to_string()),
        None => Change::Everyone,
    };
    if state.config.on_postgres() {
        let payload = state.live.payload(&change);
        if let Err(e) = db::notify(&state.db, CHANNEL, &payload).await {
            tracing::warn!(error = %e, "could not announce a notification to other servers");
        }
    }
    state.live.send(change);
}

/// How often a stream checks that its session still exists, so a stream of
/// a signed-out session ends.
const SESSION_CHECK: Duration = Duration::from_secs(60);

/// `GET /api/events/notifications`: `event: unread` with
/// `{"unread": n, "newest": "<id>"}`, at once and after every change, with
/// the newest notification's id as event id. A reconnecting browser sends
/// `Last-Event-ID`; it gets the current state at once, which is all it
/// missed (the client then reloads what it shows). Comments keep the
/// connection alive through proxies every 15 seconds.
pub async fn stream(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
) -> Response {
    let Some(auth) = ctx.auth else {
        return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response();
    };
    let user_id = auth.user.id.to_string();
    // Each stream holds a connection and a task: an account (or everyone
    // together) holding too many is refused, and the browser falls back to
    // polling the count.
    let Some(admitted) = state.live.admit(&user_id) else {
        let mut res = (StatusCode::TOO_MANY_REQUESTS, "Too many open streams.").into_response();
        res.headers_mut().insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("60"),
        );
        return res;
    };
    // Subscribed before the first count is read, so nothing falls in between.
    let rx = state.live.subscribe();
    let feed = Feed {
        state: state.clone(),
        user_id,
        session_hash: auth.session_hash,
        rx,
        first: true,
        _admitted: admitted,
    };
    let mut res = Sse::new(events(feed))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    // A buffering proxy (nginx) would hold the events back.
    res.headers_mut()
        .insert("x-accel-buffering", http::HeaderValue::from_static("no"));
    res
}

struct Feed {
    state: AppState,
    user_id: String,
    session_hash: String,
    rx: broadcast::Receiver<Change>,
    first: bool,
    /// Frees the stream's place when it ends.
    _admitted: Admitted,
}

fn events(feed: Feed) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(feed, |mut feed| async move {
        // After the first event: the next change, while the session lives.
        let go_on = feed.first || (feed.wait().await && feed.session_alive().await);
        if !go_on {
            return None;
        }
        feed.first = false;
        let event = feed.current().await?;
        Some((Ok(event), feed))
    })
}

impl Feed {
    /// Waits for news for this user; false when the stream should end (the
    /// server stops, the session ended).
    async fn wait(&mut self) -> bool {
        let mut check = tokio::time::interval(SESSION_CHECK);
        check.tick().await;
        loop {
            tokio::select! {
                () = self.state.shutdown.cancelled() => return false,
                _ = check.tick() => {
                    if !self.session_alive().await {
                        return false;
                    }
                }
                got = self.rx.recv() => match got {
                    Ok(Change::User(id)) if id != self.user_id => {}
                    Ok(Change::User(_)) => return true,
                    // News for everyone wakes every open stream on every
                    // server: spread their re-reads over a second.
                    Ok(Change::Everyone) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        let ms = rand::random::<u64>() % 1000;
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                        return true;
                    }
                    Err(broadcast::error::RecvError::Closed) => return false,
                },
            }
        }
    }

    async fn session_alive(&self) -> bool {
        let idle = self.state.config.session_idle_timeout_secs;
        !matches!(
            db::sessions::find_live(&self.state.db, &self.session_hash, idle).await,
            Ok(None)
        )
    }

    /// The current unread count as an event; None ends the stream (the
    /// database is unreachable: the browser reconnects and polls meanwhile).
    async fn current(&self) -> Option<Event> {
        let db = &self.state.db;
        let unread = db::notifications::unread_count(db, &self.user_id).await;
        let newest = db::notifications::newest(db, &self.user_id).await;
        match (unread, newest) {
            (Ok(unread), Ok(newest)) => {
                let data = serde_json::json!({ "unread": unread, "newest": newest });
                Some(
                    Event::default()
                        .event("unread")
                        .id(if newest.is_empty() {
                            "0".into()
                        } else {
                            newest
                        })
                        .data(data.to_string()),
                )
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "notification stream could not read the count");
                None
            }
        }
    }
}
