//! The matrix of area × channel each person chooses, over the defaults.

use crate::error::AppError;
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::model::{NotificationArea, NotificationChannel, NotificationPref};
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::db::{self, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;

/// The person's whole matrix: every area × channel, stored cells over defaults.
pub async fn preferences(
    state: &AppState,
    user: &UserRow,
) -> Result<Vec<NotificationPref>, AppError> {
    let stored = db::notification_prefs::list(&state.db, &user.id).await?;
    Ok(NotificationArea::ALL
        .into_iter()
        .flat_map(|area| {
            NotificationChannel::ALL
                .into_iter()
                .map(move |channel| (area, channel))
        })
        .map(|(area, channel)| {
            let mut cell = NotificationPref::default_for(area, channel);
            if let Some((_, _, on)) = stored
                .iter()
                .find(|(a, c, _)| a == area.as_str() && c == channel.as_str())
            {
                cell.enabled = cell.locked || *on != 0;
            }
            cell
        })
        .collect())
}

/// The cell named by `area` and `channel`, if it may be set to `enabled`;
/// otherwise the field error that says why (in language `l`).
pub fn check_preference(
    area: &str,
    channel: &str,
    enabled: bool,
    l: Locale,
) -> Result<(NotificationArea, NotificationChannel), AppError> {
    let area = NotificationArea::parse(area).ok_or_else(|| {
        AppError::field("area", td_string!(l, notifications.bad_area).to_string())
    })?;
    let channel = NotificationChannel::parse(channel).ok_or_else(|| {
        AppError::field(
            "channel",
            td_string!(l, notifications.bad_channel).to_string(),
        )
    })?;
    if NotificationPref::default_for(area, channel).locked && !enabled {
        return Err(AppError::field(
            "enabled",
            td_string!(l, notifications.security_locked).to_string(),
        ));
    }
    Ok((area, channel))
}

/// One cell to set: area, channel and whether it is on.
pub type Cell<'a> = (&'a str, &'a str, bool);

/// Turns one cell on or off (audited): [`set_preferences`] with one cell.
pub async fn set_preference(
    state: &AppState,
    ctx: &RequestCtx,
    user: &UserRow,
    sudo: bool,
    area: &str,
    channel: &str,
    enabled: bool,
) -> Result<Vec<NotificationPref>, AppError> {
    set_preferences(state, ctx, user, sudo, &[(area, channel, enabled)]).await
}

/// Sets the listed cells: every one checked first, then all written in one
/// transaction (one bad cell changes nothing), each real change audited.
/// The in-app Security cell stays on, and turning any other Security cell
/// off needs a recently entered password (`sudo`: false for API
/// credentials, which never have it): someone who took over a session must
/// not be able to silence the notices that would tell the owner. Answers the
/// whole matrix.
pub async fn set_preferences(
    state: &AppState,
    ctx: &RequestCtx,
    user: &UserRow,
    sudo: bool,
    cells: &[Cell<'_>],
) -> Result<Vec<NotificationPref>, AppError> {
    let l = ctx.locale;
    let most = NotificationArea::ALL.len() * NotificationChannel::ALL.len();
    if cells.len() > most {
        return Err(AppError::BadRequest(
            td_string!(l, notifications.too_many_cells, most = most).to_string(),
        ));
    }
    let mut checked = Vec::with_capacity(cells.len());
    for &(area, channel, enabled) in cells {
        let (area, channel) = check_preference(area, channel, enabled, l)?;
        if area == NotificationArea::Security && !enabled && !sudo {
            return Err(AppError::ReauthRequired);
        }
        if checked.iter().any(|&(a, c, _)| a == area && c == channel) {
            return Err(AppError::BadRequest(
                td_string!(l, notifications.cell_twice).to_string(),
            ));
        }
        checked.push((area, channel, enabled));
    }
    let before = preferences(state, user).await?;
    let changed: Vec<_> = checked
        .into_iter()
        .filter(|&(area, channel, enabled)| {
            !before
                .iter()
                .any(|c| c.area == area && c.channel == channel && c.enabled == enabled)
        })
        .collect();
    if changed.is_empty() {
        return Ok(before);
    }
    let mut tx = state.db.begin().await?;
    for &(area, channel, enabled) in &changed {
        db::notification_prefs::set(&mut *tx, &user.id, area.as_str(), channel.as_str(), enabled)
            .await?;
    }
    tx.commit().await?;
    for (area, channel, enabled) in changed {
        let action = AuditAction::NotificationPreference {
            area: area.as_str().into(),
            channel: channel.as_str().into(),
            enabled,
        };
        audit::record(state, ctx, user, action, Outcome::Success).await;
    }
    preferences(state, user).await
}
