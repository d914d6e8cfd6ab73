//! Outgoing mail: written to the `outbox` table in the same request that causes
//! it, sent over SMTP by the delivery worker (`infra::delivery`).
//! Without `smtp_url` mail stays in the outbox (`tessera outbox list` shows it).

use crate::server::db::{outbox, Db};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

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
    ///
    /// A notification mail (`item.unsubscribe` set) carries the RFC 8058
    /// one-click unsubscribe headers for its cell.
    pub async fn send(&self, item: &outbox::Item) -> Result<(), String> {
        let Some(transport) = &self.transport else {
            return Err("no SMTP server configured".into());
        };
        let to: Mailbox = item
            .to_addr
            .parse()
            .map_err(|e| format!("bad recipient: {e}"))?;
        let mut builder = Message::builder()
            .message_id(Some(format!("<{}@outbox.tessera>", item.id)))
            .from(self.from.clone())
            .to(to)
            .subject(&item.subject)
            .header(ContentType::TEXT_PLAIN);
        if !item.unsubscribe.is_empty() {
            builder = builder
                .header(ListUnsubscribe(format!("<{}>", item.unsubscribe)))
                .header(ListUnsubscribePost);
        }
        let message = builder.body(item.body.clone()).map_err(|e| e.to_string())?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Queues a mail to an address (links for an address change or a password
/// reset); it goes out within seconds when SMTP is configured. Notifications
/// go through `server::notifications`, which honours the person's choices.
pub async fn enqueue(db: &Db, to: &str, subject: &str, body: &str) -> Result<(), sqlx::Error> {
    let item = outbox::New::email("", to, subject, body, "");
    outbox::enqueue(db, item).await.map(|_| ())
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the link
/// works with one POST, without a page to click through.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}
