//! The `outbox` table: the delivery queue of every channel (mail and Slack),
//! kept durably until delivered or given up.

use super::{new_id, now, Db};

/// `SELECT <every column> FROM outbox <rest>` as one literal (sqlx accepts
/// only literal SQL).
macro_rules! select_items {
    ($rest:literal) => {
        concat!(
            "SELECT id, created_at, channel, user_id, to_addr, subject, body, unsubscribe, ",
            "status, attempts, next_attempt_at, last_error, sent_at FROM outbox ",
            $rest
        )
    };
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Item {
    pub id: String,
    pub created_at: i64,
    /// `email`, `slack`, or `fanout` (a broadcast the worker turns into the
    /// mails and Slack messages of its recipients).
    pub channel: String,
    /// The recipient's account (empty for mail to an address not yet theirs).
    pub user_id: String,
    /// The address of an email (empty for Slack).
    pub to_addr: String,
    pub subject: String,
    /// The text of an email, the JSON message of a Slack item.
    pub body: String,
    /// An email's one-click unsubscribe link (empty: none).
    pub unsubscribe: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: String,
    pub sent_at: Option<i64>,
}

/// What to queue.
pub struct New<'a> {
    pub channel: &'a str,
    pub user_id: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub unsubscribe: &'a str,
}

impl<'a> New<'a> {
    /// A mail to `to`, for account `user_id` (empty: an address not yet any
    /// account's), with its one-click unsubscribe link (empty: none).
    pub fn email(
        user_id: &'a str,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
        unsubscribe: &'a str,
    ) -> Self {
        New {
            channel: "email",
            user_id,
            to,
            subject,
            body,
            unsubscribe,
        }
    }

    /// A Slack message (its JSON) to the webhook of account `user_id`.
    pub fn slack(user_id: &'a str, title: &'a str, json: &'a str) -> Self {
        New {
            channel: "slack",
            user_id,
            to: "",
            subject: title,
            body: json,
            unsubscribe: "",
        }
    }

    /// A broadcast (its JSON job) for the worker to fan out.
    pub fn fanout(title: &'a str, job: &'a str) -> Self {
        New {
            channel: "fanout",
            user_id: "",
            to: "",
            subject: title,
            body: job,
            unsubscribe: "",
        }
    }
}

/// Queues one item (inside the caller's transaction when given one).
pub async fn enqueue<'e, E>(db: E, item: New<'_>) -> Result<String, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let id = new_id();
    sqlx::query(
        "INSERT INTO outbox (id, created_at, channel, user_id, to_addr, subject, body, unsubscribe, \
         status, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $2)",
    )
    .bind(&id)
    .bind(now())
    .bind(item.channel)
    .bind(item.user_id)
    .bind(item.to)
    .bind(item.subject)
    .bind(item.body)
    .bind(item.unsubscribe)
    .execute(db)
    .await?;
    Ok(id)
}

/// Items of the given channels waiting for a delivery attempt, oldest first.
pub async fn due(db: &Db, channels: &[&str], limit: i64) -> Result<Vec<Item>, sqlx::Error> {
    if channels.is_empty() {
        return Ok(Vec::new());
    }
    // The channels: `email`, `slack` and `fanout` (a broadcast to expand).
    let on = |c: &str| i64::from(channels.contains(&c));
    sqlx::query_as(select_items!(
        "WHERE status = 'pending' AND next_attempt_at <= $1 \
         AND ((channel = 'email' AND $2 = 1) OR (channel = 'slack' AND $3 = 1) \
         OR (channel = 'fanout' AND $4 = 1)) ORDER BY id LIMIT $5"
    ))
    .bind(now())
    .bind(on("email"))
    .bind(on("slack"))
    .bind(on("fanout"))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Takes an item for one delivery attempt, leased for `lease_secs`: the
/// lease's token, or None when another worker (or server) already has it. A
/// worker that dies mid-delivery leaves the item pending; it is tried again
/// when the lease ends. Every result is written under the token (see
/// [`mark_sent`]), so a worker that outlived its lease changes nothing.
pub async fn claim(db: &Db, id: &str, lease_secs: i64) -> Result<Option<String>, sqlx::Error> {
    let t = now();
    let token = new_id();
    let done = sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1, lease = $2 \
         WHERE id = $3 AND status = 'pending' AND next_attempt_at <= $4",
    )
    .bind(t + lease_secs)
    .bind(&token)
    .bind(id)
    .bind(t)
    .execute(db)
    .await?;
    Ok((done.rows_affected() == 1).then_some(token))
}

/// Marks an item delivered under `lease` and drops its text: bodies carry
/// single-use links, which have no business staying in the database once
/// they are delivered. False when the lease was lost (nothing changed).
pub async fn mark_sent<'e, E>(db: E, id: &str, lease: &str) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = '', \
         body = '(delivered; text removed)', unsubscribe = '' \
         WHERE id = $2 AND lease = $3 AND status = 'pending'",
    )
    .bind(now())
    .bind(id)
    .bind(lease)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Records a failed attempt under `lease`: retried at `retry_at`, or given
/// up (`failed`) when None. An item given up loses its text like a delivered one.
pub async fn mark_failed(
    db: &Db,
    id: &str,
    lease: &str,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, \
         status = CASE WHEN $2 = 0 THEN 'failed' ELSE 'pending' END, next_attempt_at = $2, lease = '', \
         body = CASE WHEN $2 = 0 THEN '(not delivered; text removed)' ELSE body END, \
         unsubscribe = CASE WHEN $2 = 0 THEN '' ELSE unsubscribe END \
         WHERE id = $3 AND lease = $4 AND status = 'pending'",
    )
    .bind(error)
    .bind(retry_at.unwrap_or(0))
    .bind(id)
    .bind(lease)
    .execute(db)
    .await
    .map(|_| ())
}

/// Gives up every pending Slack item of `user_id` (their webhook is broken
/// or gone).
pub async fn fail_pending_slack(db: &Db, user_id: &str, error: &str) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'failed', last_error = $1, next_attempt_at = 0, \
         body = '(not delivered; text removed)' \
         WHERE user_id = $2 AND channel = 'slack' AND status = 'pending'",
    )
    .bind(error)
    .bind(user_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// The newest items, optionally of one channel.
pub async fn recent(db: &Db, channel: Option<&str>, limit: i64) -> Result<Vec<Item>, sqlx::Error> {
    sqlx::query_as(select_items!(
        "WHERE ($1 = '' OR channel = $1) ORDER BY id DESC LIMIT $2"
    ))
    .bind(channel.unwrap_or(""))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// (pending, failed) items of the queue and broken Slack webhooks.
pub async fn counts(db: &Db) -> Result<(i64, i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'pending'), \
         (SELECT COUNT(*) FROM outbox WHERE status = 'failed'), \
         (SELECT COUNT(*) FROM slack_webhooks WHERE broken_at IS NOT NULL)",
    )
    .fetch_one(db)
    .await
}

/// The newest items with the username of their account (empty: none).
pub async fn recent_with_names(db: &Db, limit: i64) -> Result<Vec<(Item, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Named {
        #[sqlx(flatten)]
        item: Item,
        username: String,
    }
    let rows: Vec<Named> = sqlx::query_as(
        "SELECT o.id, o.created_at, o.channel, o.user_id, o.to_addr, o.subject, o.body, o.unsubscribe, \
         o.status, o.attempts, o.next_attempt_at, o.last_error, o.sent_at, COALESCE(u.username, '') AS username \
         FROM outbox o LEFT JOIN users u ON u.id = o.user_id ORDER BY o.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|n| (n.item, n.username)).collect())
}

/// Makes a pending item that waits for its next attempt due at once; false
/// when it is not pending or a worker holds it right now (it is being sent:
/// making it due would let a second worker send it again).
pub async fn due_now(db: &Db, id: &str) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 \
         WHERE id = $2 AND status = 'pending' AND (lease = '' OR next_attempt_at <= $1)",
    )
    .bind(now())
    .bind(id)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}
