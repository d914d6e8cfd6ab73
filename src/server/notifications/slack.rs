//! Slack as a channel: each person's incoming webhook (sealed with the server
//! key like TOTP secrets, shown only as its last 4 characters), the message
//! format (`blocks` with a `text` fallback), and the test message.

use super::{area_name, Notice};
use crate::error::AppError;
use crate::features::notifications::types::SlackStatus;
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::auth::sudo;
use crate::server::db::{self, slack::Webhook};
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::state::AppState;
use crate::server::infra::{timefmt, webhook};

/// The longest URL accepted (Slack's are about 80 characters).
const URL_MAX: usize = 500;

/// Whether `url` may be used as a webhook: `https://hooks.slack.com/services/…`,
/// or with `allow_insecure` (tests) an `http://` URL on this machine.
pub fn check_url(url: &str, allow_insecure: bool) -> bool {
    if url.len() > URL_MAX {
        return false;
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.fragment().is_some() {
        return false;
    }
    let host = parsed.host_str().unwrap_or("");
    match parsed.scheme() {
        "https" => {
            let segments: Vec<&str> = parsed
                .path_segments()
                .map(|s| s.filter(|p| !p.is_empty()).collect())
                .unwrap_or_default();
            host == "hooks.slack.com"
                && parsed.port().is_none()
                && segments.len() >= 4
                && segments[0] == "services"
                && segments[1..]
                    .iter()
                    .all(|s| s.chars().all(|c| c.is_ascii_alphanumeric()))
        }
        "http" => allow_insecure && matches!(host, "127.0.0.1" | "localhost" | "[::1]"),
        _ => false,
    }
}

/// The webhook's URL, if this server's key opens it.
pub fn open_url(state: &AppState, hook: &Webhook) -> Option<String> {
    let (plain, _) = state.keys.open(&hook.url_sealed, &hook.user_id)?;
    String::from_utf8(plain).ok()
}

/// Slack's `mrkdwn` treats `&`, `<` and `>` as markup.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `notice` as a Slack message in language `l`.
pub fn message(state: &AppState, notice: &Notice, l: Locale) -> String {
    let area = area_name(notice.area, l);
    let link = format!(
        "{}{}",
        state.config.public_url,
        if notice.link.is_empty() {
            "/notifications"
        } else {
            &notice.link
        }
    );
    let open = td_string!(l, notifications.slack_open).to_string();
    let mut text = format!("*[{}] {}*", escape(&area), escape(&notice.title));
    if !notice.body.is_empty() {
        text.push('\n');
        text.push_str(&escape(&notice.body));
    }
    serde_json::json!({
        // The fallback (notifications, screen readers) is read as markup
        // too: escaped, a title such as `<!channel>` pings nobody.
        "text": format!("[{}] {}", escape(&area), escape(&notice.title)),
        "blocks": [
            { "type": "section", "text": { "type": "mrkdwn", "text": text } },
            { "type": "context", "elements": [
                { "type": "mrkdwn", "text": format!("<{link}|{}>", escape(&open)) }
            ] }
        ]
    })
    .to_string()
}

/// What the preferences page shows about the caller's webhook.
pub async fn status(state: &AppState, auth: &Auth) -> Result<SlackStatus, AppError> {
    let l = crate::server::infra::context::current_locale();
    Ok(match db::slack::find(&state.db, &auth.user.id).await? {
        None => SlackStatus::default(),
        Some(h) => SlackStatus {
            configured: true,
            last4: h.last4,
            broken: h.broken_at.is_some(),
            failing_since: h
                .failing_since
                .map(|t| timefmt::format(t, &auth.user.time_zone, l))
                .unwrap_or_default(),
            last_error: h.last_error,
        },
    })
}

/// Sets (or replaces) the caller's webhook (sudo mode; audited).
pub async fn set(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
    url: &str,
) -> Result<SlackStatus, AppError> {
    sudo::require(auth)?;
    let url = url.trim();
    if !check_url(url, state.config.allow_insecure_webhooks) {
        return Err(AppError::field(
            "url",
            td_string!(ctx.locale, notifications.slack_bad_url).to_string(),
        ));
    }
    // Stored as the URL parser writes it, so what is checked is what is posted to.
    let url = url::Url::parse(url).map_or_else(|_| url.to_string(), String::from);
    let sealed = state.keys.seal(url.as_bytes(), &auth.user.id);
    let chars: Vec<char> = url.chars().collect();
    let last4: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    db::slack::set(&state.db, &auth.user.id, &sealed, &last4).await?;
    let action = AuditAction::SlackWebhookSet { last4 };
    audit::record(state, ctx, &auth.user, action, Outcome::Success).await;
    status(state, auth).await
}

/// Removes the caller's webhook (audited); what is queued for it is given up.
pub async fn remove(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
) -> Result<SlackStatus, AppError> {
    // Removing the webhook silences Security messages as surely as turning
    // their cell off: someone who took over a session must not do it
    // without the password.
    sudo::require(auth)?;
    if db::slack::delete(&state.db, &auth.user.id).await? {
        db::outbox::fail_pending_slack(&state.db, &auth.user.id, "the Slack webhook was removed")
            .await?;
        audit::record(
            state,
            ctx,
            &auth.user,
            AuditAction::SlackWebhookRemove,
            Outcome::Success,
        )
        .await;
    }
    status(state, auth).await
}

/// Posts a test message to the caller's webhook at once. Success also
/// makes a broken webhook healthy again (the page's "retry"). A failure is
/// the exact reason: the status code, a timeout, the connection error.
pub async fn test(
    state: &AppState,
    ctx: &RequestCtx,
    auth: &Auth,
) -> Result<SlackStatus, AppError> {
    let l = ctx.locale;
    let hook = db::slack::find(&state.db, &auth.user.id)
        .await?
        .ok_or_else(|| {
            AppError::field("url", td_string!(l, notifications.slack_none).to_string())
        })?;
    let url = open_url(state, &hook).ok_or_else(|| {
        AppError::field(
            "url",
            td_string!(l, notifications.slack_unreadable).to_string(),
        )
    })?;
    let notice = Notice {
        area: crate::model::NotificationArea::Alerts,
        title: td_string!(l, notifications.slack_test_title).to_string(),
        body: td_string!(
            l,
            notifications.slack_test_body,
            username = &auth.user.username
        )
        .to_string(),
        advice: String::new(),
        link: "/settings/notifications".into(),
    };
    match webhook::post_json(&url, message(state, &notice, l)).await {
        Ok(()) => {
            db::slack::mark_ok(&state.db, &auth.user.id).await?;
            status(state, auth).await
        }
        Err(reason) => Err(AppError::field(
            "url",
            td_string!(l, notifications.slack_test_failed, reason = &reason).to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn only_slack_webhooks_over_https() {
        let good = "https://hooks.slack.com/services/T0000/B0000/abcdEFGH12345678";
        assert!(check_url(good, false));
        for bad in [
            "http://hooks.slack.com/services/T0000/B0000/abcd",
            "https://hooks.slack.com.evil.example/services/T/B/X",
            "https://evil.example/services/T/B/X",
            "https://hooks.slack.com/services/T0000",
            "https://hooks.slack.com:8443/services/T/B/X",
            "https://user:pw@hooks.slack.com/services/T/B/X",
            "https://hooks.slack.com/services/T/B/X#frag",
            "https://hooks.slack.com/services/T/B/../../../admin",
            "http://127.0.0.1:9999/hook",
            "file:///etc/passwd",
            "",
        ] {
            assert!(!check_url(bad, false), "{bad}");
        }
    }

    #[test]
    fn loopback_http_only_when_allowed() {
        assert!(check_url("http://127.0.0.1:9999/hook", true));
        assert!(check_url("http://localhost:9999/hook", true));
        assert!(!check_url("http://10.0.0.1:9999/hook", true));
        assert!(!check_url("http://169.254.169.254/latest", true));
    }
}
