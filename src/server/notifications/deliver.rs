//! The one path from a [`Notice`] to the channels a person chose: the in-app
//! row, the mail and the Slack message, queued in one transaction.

use super::prefs::preferences;
use super::{area_name, live, locale_of, slack, unsubscribe, Notice};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::model::{NotificationArea, NotificationChannel};
use crate::server::db::{self, outbox, users::UserRow};
use crate::server::infra::state::AppState;

/// Delivers `notice` to `user` through every channel their matrix has on for
/// its area: all in one transaction, so it is either queued everywhere or
/// nowhere. Returns whether it was delivered (see [`deliver_once`]).
pub async fn deliver(state: &AppState, user: &UserRow, notice: &Notice) -> Result<bool, AppError> {
    deliver_once(state, user, notice, None).await
}

/// [`deliver`], but at most once per `once` key (a reminder's): the key is
/// claimed in the same transaction, so two servers, two runs of a job or a
/// restart in between never send it twice, and a crash before the commit
/// leaves it to be sent by the next run. False when it was sent before.
pub async fn deliver_once(
    state: &AppState,
    user: &UserRow,
    notice: &Notice,
    once: Option<&str>,
) -> Result<bool, AppError> {
    let cells = preferences(state, user).await?;
    let on = |channel: NotificationChannel| {
        cells
            .iter()
            .any(|c| c.area == notice.area && c.channel == channel && c.enabled)
    };
    let webhook = if on(NotificationChannel::Slack) {
        db::slack::find(&state.db, &user.id)
            .await?
            .filter(|w| w.broken_at.is_none())
    } else {
        None
    };
    let l = locale_of(state, user).await;
    let mut tx = state.db.begin().await?;
    if let Some(key) = once {
        if !db::notifications::claim_notice(&mut *tx, key).await? {
            return Ok(false);
        }
    }
    let in_app = on(NotificationChannel::InApp);
    if in_app {
        in_app_row(&mut *tx, &user.id, notice).await?;
    }
    if on(NotificationChannel::Email) {
        let (subject, text, unsubscribe) = mail_for(state, user, notice, l);
        let item = outbox::New::email(&user.id, &user.email, &subject, &text, &unsubscribe);
        outbox::enqueue(&mut *tx, item).await?;
    }
    if webhook.is_some() {
        let json = slack::message(state, notice, l);
        outbox::enqueue(&mut *tx, outbox::New::slack(&user.id, &notice.title, &json)).await?;
    }
    tx.commit().await?;
    if in_app {
        live::publish(state, Some(&user.id)).await;
    }
    Ok(true)
}

/// Writes the in-app row of `notice` for `user_id`.
async fn in_app_row<'e, E>(db: E, user_id: &str, notice: &Notice) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let area = notice.area.as_str();
    db::notifications::insert(db, user_id, area, &notice.title, &notice.body, &notice.link)
        .await
        .map(|_| ())
}

/// Puts `notice` in the app only, whatever the matrix says: for news about a
/// channel itself (a Slack webhook that broke).
pub async fn in_app_only(
    state: &AppState,
    user: &UserRow,
    notice: &Notice,
) -> Result<(), AppError> {
    in_app_row(&state.db, &user.id, notice).await?;
    live::publish(state, Some(&user.id)).await;
    Ok(())
}

/// The subject, text and one-click unsubscribe link of `notice` as a mail
/// to `user` in language `l`.
fn mail_for(
    state: &AppState,
    user: &UserRow,
    notice: &Notice,
    l: Locale,
) -> (String, String, String) {
    let name = user.to_current().shown_name();
    mail_text(state, &user.id, &user.email, &name, notice, l)
}

/// The subject (naming the area), the text (greeting `name`, linking to the
/// item and to the preferences page) and the one-click unsubscribe link of
/// `notice` as a mail to account `user_id` at `email`, in language `l`.
/// Security notices have no one-click link (empty): turning them off takes
/// the settings page and the password.
pub(super) fn mail_text(
    state: &AppState,
    user_id: &str,
    email: &str,
    name: &str,
    notice: &Notice,
    l: Locale,
) -> (String, String, String) {
    let area = area_name(notice.area, l);
    let base = &state.config.public_url;
    let security = notice.area == NotificationArea::Security;
    let unsubscribe = if security {
        String::new()
    } else {
        unsubscribe::link(
            state,
            user_id,
            email,
            notice.area,
            NotificationChannel::Email,
        )
    };
    let mut body = notice.body.clone();
    if !notice.advice.is_empty() {
        body.push_str("\n\n");
        body.push_str(&notice.advice);
    }
    let link = if notice.link.is_empty() {
        format!("{base}/notifications")
    } else {
        format!("{base}{}", notice.link)
    };
    let settings = format!("{base}/settings/notifications");
    let text = if security {
        td_string!(
            l,
            notifications.mail_text_security,
            name = name,
            body = &body,
            link = &link,
            settings = &settings
        )
        .to_string()
    } else {
        td_string!(
            l,
            notifications.mail_text,
            name = name,
            body = &body,
            link = &link,
            area = &area,
            settings = &settings,
            unsubscribe = &unsubscribe
        )
        .to_string()
    };
    (format!("[{area}] {}", notice.title), text, unsubscribe)
}
