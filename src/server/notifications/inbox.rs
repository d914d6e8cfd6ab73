//! A person's in-app notifications: the pages of `/notifications`, the bell's
//! unread count, marking read.

use super::live;
use crate::error::AppError;
use crate::features::notifications::types::{NotificationItem, NotificationPage};
use crate::i18n::td_string;
use crate::server::db::{self, users::UserRow};
use crate::server::infra::state::AppState;

/// Notifications shown per page of `/notifications` (and at most per request).
pub const PAGE_MAX: i64 = 50;

/// One page of the caller's notifications, newest first, times in their zone
/// and language. `before` is the `older` cursor of the previous page.
pub async fn page(
    state: &AppState,
    user: &UserRow,
    unread_only: bool,
    before: Option<&str>,
    limit: i64,
) -> Result<NotificationPage, AppError> {
    let l = crate::server::infra::context::current_locale();
    let limit = limit.clamp(1, PAGE_MAX);
    let cursor = before.and_then(|c| {
        let (at, id) = c.split_once('_')?;
        Some((at.parse::<i64>().ok()?, id))
    });
    if before.is_some() && cursor.is_none() {
        return Err(AppError::field(
            "before",
            td_string!(l, notifications.bad_cursor).to_string(),
        ));
    }
    // One more than shown tells whether an older page exists.
    let mut rows =
        db::notifications::page(&state.db, &user.id, unread_only, cursor, limit + 1).await?;
    let older = if rows.len() > usize::try_from(limit).unwrap_or(0) {
        rows.pop();
        rows.last().map(|r| format!("{}_{}", r.created_at, r.id))
    } else {
        None
    };
    let unread = db::notifications::unread_count(&state.db, &user.id).await?;
    let items = rows
        .into_iter()
        .map(|r| NotificationItem {
            created: crate::server::infra::timefmt::format(r.created_at, &user.time_zone, l),
            read: r.read_at.is_some(),
            id: r.id,
            area: r.area,
            title: r.title,
            body: r.body,
            link: r.link,
        })
        .collect();
    Ok(NotificationPage {
        items,
        unread,
        older,
    })
}

/// The unread count and the newest notification's id (empty: none).
pub async fn unread_state(state: &AppState, user: &UserRow) -> Result<(i64, String), AppError> {
    let unread = db::notifications::unread_count(&state.db, &user.id).await?;
    let newest = db::notifications::newest(&state.db, &user.id).await?;
    Ok((unread, newest))
}

/// Marks the listed notifications of `user` read (all of them for an empty
/// list); others' ids are ignored. Open bells update. Returns the unread count.
pub async fn mark_read(state: &AppState, user: &UserRow, ids: &[String]) -> Result<i64, AppError> {
    if ids.len() > 500 {
        return Err(AppError::BadRequest(
            "Give at most 500 notification ids.".into(),
        ));
    }
    let changed = if ids.is_empty() {
        db::notifications::mark_all_read(&state.db, &user.id).await?
    } else {
        db::notifications::mark_read(&state.db, &user.id, ids).await?
    };
    if changed > 0 {
        live::publish(state, Some(&user.id)).await;
    }
    Ok(db::notifications::unread_count(&state.db, &user.id).await?)
}
