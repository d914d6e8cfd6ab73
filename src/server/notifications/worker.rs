//! The delivery worker: sends what the outbox holds, whatever the channel
//! (mail over SMTP, Slack over its webhook, a broadcast to expand into
//! those), never inside a request.
//!
//! Each item is claimed with a lease (`outbox::claim`, a conditional
//! `UPDATE` that writes a fresh lease token): of several workers, on one
//! server or many, exactly one gets it, and every result is written under
//! the token, so a worker that outlived its lease changes nothing. A worker
//! killed mid-delivery leaves the item pending, to be retried when the lease
//! ends. Failures are retried with backoff. Mail gives up after
//! [`MAIL_ATTEMPTS`]; a Slack webhook that refuses for good (403, 404, 410)
//! or keeps failing for the configured time (`webhook_broken_after_minutes`)
//! is marked broken, its pending items given up, and its owner told in the app.

use super::Notice;
use crate::i18n::td_string;
use crate::model::NotificationArea;
use crate::server::db::{self, outbox};
use crate::server::infra::state::AppState;
use crate::server::infra::webhook;
use std::time::Duration;

/// Attempts before a mail (or a broadcast's expansion) is given up (spread
/// over about 30 minutes).
pub const MAIL_ATTEMPTS: i64 = 6;

/// The longest wait between two attempts of a Slack message.
const SLACK_MAX_BACKOFF: i64 = 1800;

/// Items taken per round.
const BATCH: i64 = 20;

/// How long a worker holds an item: well beyond the worst case of one
/// attempt (an SMTP conversation of several 15-second steps; a 10-second
/// Slack post; a broadcast to very many).
fn lease_secs(channel: &str) -> i64 {
    match channel {
        "slack" => 60,
        _ => 600,
    }
}

/// Delivers what is due; returns how many items went out.
pub async fn deliver_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let mut channels = vec!["slack", "fanout"];
    if state.mailer.configured() {
        channels.push("email");
    }
    let mut claimed = Vec::new();
    for item in outbox::due(&state.db, &channels, BATCH).await? {
        if let Some(lease) = outbox::claim(&state.db, &item.id, lease_secs(&item.channel)).await? {
            claimed.push((item, lease));
        }
    }
    // Sent side by side: one slow webhook does not hold up the mail.
    let results = futures::future::join_all(
        claimed
            .iter()
            .map(|(item, lease)| deliver_one(state, item, lease)),
    )
    .await;
    let mut sent = 0;
    for result in results {
        sent += usize::from(result?);
    }
    Ok(sent)
}

enum Failure {
    /// Worth another attempt later (the other side is down, slow or refusing).
    Retry(String),
    /// Cannot succeed (no webhook any more, broken, unreadable).
    GiveUp(String),
    /// The webhook refuses for good (deleted, archived channel): broken now.
    Broken(String),
}

async fn deliver_one(
    state: &AppState,
    item: &outbox::Item,
    lease: &str,
) -> Result<bool, sqlx::Error> {
    let result = match item.channel.as_str() {
        "fanout" => super::broadcast::fan_out(state, item, lease)
            .await
            .map_err(|e| Failure::Retry(e.message())),
        "email" => state.mailer.send(item).await.map_err(Failure::Retry),
        "slack" => send_slack(state, item).await,
        other => Err(Failure::GiveUp(format!("unknown channel {other}"))),
    };
    let error = match result {
        // A broadcast's expansion marks itself done with what it queued.
        Ok(()) if item.channel == "fanout" => return Ok(false),
        Ok(()) => {
            let sent = outbox::mark_sent(&state.db, &item.id, lease).await?;
            if item.channel == "slack" {
                db::slack::mark_ok(&state.db, &item.user_id).await?;
            }
            return Ok(sent);
        }
        Err(Failure::GiveUp(e)) => {
            outbox::mark_failed(&state.db, &item.id, lease, &e, None).await?;
            return Ok(false);
        }
        Err(Failure::Broken(e)) => {
            tracing::warn!(item = %item.id, error = %e, "Slack webhook refuses for good");
            broken(state, item, lease, &e).await?;
            return Ok(false);
        }
        Err(Failure::Retry(e)) => e,
    };
    let attempts = item.attempts + 1;
    tracing::warn!(item = %item.id, channel = %item.channel, attempts, error = %error, "delivery failed");
    if item.channel == "slack" {
        slack_failed(state, item, lease, &error).await?;
    } else {
        let retry = (attempts < MAIL_ATTEMPTS).then(|| db::now() + 30 * (1 << attempts));
        outbox::mark_failed(&state.db, &item.id, lease, &error, retry).await?;
    }
    Ok(false)
}

async fn send_slack(state: &AppState, item: &outbox::Item) -> Result<(), Failure> {
    let hook = db::slack::find(&state.db, &item.user_id)
        .await
        .map_err(|e| Failure::Retry(e.to_string()))?
        .ok_or_else(|| Failure::GiveUp("no Slack webhook set".into()))?;
    if hook.broken_at.is_some() {
        return Err(Failure::GiveUp("the Slack webhook is marked broken".into()));
    }
    let url = super::slack::open_url(state, &hook).ok_or_else(|| {
        Failure::GiveUp("the Slack webhook cannot be read with this server key".into())
    })?;
    // Checked again at every send: a loopback URL saved while the operator
    // allowed them stops working when they stop allowing them.
    if !super::slack::check_url(&url, state.config.allow_insecure_webhooks) {
        return Err(Failure::GiveUp(
            "the Slack webhook URL is not allowed".into(),
        ));
    }
    match webhook::post_json(&url, item.body.clone()).await {
        Ok(()) => Ok(()),
        Err(e) if webhook::is_permanent(&e) => Err(Failure::Broken(e)),
        Err(e) => Err(Failure::Retry(e)),
    }
}

/// A Slack delivery failed: retried with backoff, unless the webhook has now
/// failed for long enough to be called broken.
async fn slack_failed(
    state: &AppState,
    item: &outbox::Item,
    lease: &str,
    error: &str,
) -> Result<(), sqlx::Error> {
    let since = db::slack::mark_failing(&state.db, &item.user_id, error)
        .await?
        .unwrap_or_else(db::now);
    if db::now() - since < state.config.webhook_broken_after_secs {
        let wait = (30_i64 << item.attempts.clamp(0, 10)).min(SLACK_MAX_BACKOFF);
        return outbox::mark_failed(&state.db, &item.id, lease, error, Some(db::now() + wait))
            .await;
    }
    broken(state, item, lease, error).await
}

/// Marks the item's webhook broken: the item and everything else queued for
/// it are given up, and the owner is told in the app (once, whichever worker
/// noticed).
async fn broken(
    state: &AppState,
    item: &outbox::Item,
    lease: &str,
    error: &str,
) -> Result<(), sqlx::Error> {
    db::slack::mark_failing(&state.db, &item.user_id, error).await?;
    outbox::mark_failed(&state.db, &item.id, lease, error, None).await?;
    outbox::fail_pending_slack(
        &state.db,
        &item.user_id,
        "the Slack webhook is marked broken",
    )
    .await?;
    if db::slack::mark_broken(&state.db, &item.user_id).await? {
        if let Some(user) = db::users::find_by_id(&state.db, &item.user_id).await? {
            let l = super::locale_of(state, &user).await;
            let notice = Notice {
                area: NotificationArea::Security,
                title: td_string!(l, notifications.slack_broken_title).to_string(),
                body: td_string!(l, notifications.slack_broken_body, error = error).to_string(),
                advice: String::new(),
                link: "/settings/notifications".into(),
            };
            // In the app only: Slack is what broke, and mail is not what
            // the person chose for this.
            if let Err(e) = super::deliver::in_app_only(state, &user, &notice).await {
                tracing::warn!(error = %e, "could not tell the owner of a broken webhook");
            }
        }
    }
    Ok(())
}

/// Runs [`deliver_due`] every two seconds for the life of the server; a
/// round that delivered a full batch means more is waiting (a broadcast to
/// many), so the next one starts at once until the queue is drained.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        let full = usize::try_from(BATCH).unwrap_or(usize::MAX);
        loop {
            tick.tick().await;
            loop {
                match deliver_due(&state).await {
                    Ok(sent) if sent >= full => {}
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "delivery worker could not read the outbox");
                        break;
                    }
                }
            }
        }
    });
}
