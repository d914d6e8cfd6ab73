//! Outgoing mail: written to the `outbox` table in the same request that causes
//! it, delivered by a background worker over SMTP, retried with backoff.
//! Without `smtp_url` mail stays in the outbox (`tessera mail list` shows it).

use crate::server::db::{self, outbox, Db};
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Attempts before a mail is marked failed (spread over about 30 minutes).
pub const MAX_ATTEMPTS: i64 = 6;

pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from.parse().map_err(|e| format!("mail_from: {e}"))?;
        let transport = match smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("smtp_url: {e}"))?
                    .timeout(Some(Duration::from_secs(15)))
                    .build(),
            ),
        };
        Ok(Mailer { transport, from })
    }

    pub fn configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends one outbox mail. Its Message-ID is derived from the outbox id, so
    /// the rare resend after a server died between the SMTP server's "accepted"
    /// and our note of it is the same message to every mail system (which
    /// drop duplicates by Message-ID), not a second one.
    async fn send(&self, id: &str, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let Some(transport) = &self.transport else {
            return Err("no SMTP server configured".into());
        };
        let to: Mailbox = to.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let message = Message::builder()
            .message_id(Some(format!("<{id}@outbox.tessera>")))
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Queues a mail; it goes out within seconds when SMTP is configured.
pub async fn enqueue(db: &Db, to: &str, subject: &str, body: &str) -> Result<(), sqlx::Error> {
    outbox::enqueue(db, to, subject, body).await.map(|_| ())
}

/// Delivers what is due; returns how many mails were sent.
pub async fn deliver_due(db: &Db, mailer: &Mailer) -> Result<usize, sqlx::Error> {
    if !mailer.configured() {
        return Ok(0);
    }
    let mut sent = 0;
    for mail in outbox::due(db, 20).await? {
        if !outbox::claim(db, &mail.id, 120).await? {
            continue;
        }
        match mailer
            .send(&mail.id, &mail.to_addr, &mail.subject, &mail.body)
            .await
        {
            Ok(()) => {
                outbox::mark_sent(db, &mail.id).await?;
                sent += 1;
            }
            Err(e) => {
                let attempts = mail.attempts + 1;
                let retry = (attempts < MAX_ATTEMPTS).then(|| db::now() + 30 * (1 << attempts));
                tracing::warn!(mail = %mail.id, attempts, error = %e, "mail delivery failed");
                outbox::mark_failed(db, &mail.id, &e, retry).await?;
            }
        }
    }
    Ok(sent)
}

/// Runs [`deliver_due`] every two seconds for the life of the server.
pub fn spawn_worker(db: Db, mailer: std::sync::Arc<Mailer>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            if let Err(e) = deliver_due(&db, &mailer).await {
                tracing::warn!(error = %e, "mail worker could not read the outbox");
            }
        }
    });
}
