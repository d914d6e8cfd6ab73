//! The profile: names, contact details, time zone and language (email and
//! avatar have their own features). Each form saves through `server::profile`.

pub mod page;

use crate::error::AppError;
use crate::model::CurrentUser;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
async fn save(
    c: &crate::server::Call,
    change: crate::server::profile::ProfileChange,
) -> Result<CurrentUser, AppError> {
    let auth = c.auth()?;
    let saved = crate::server::profile::update(&c.state, &auth.user, &change, c.ctx.locale).await?;
    crate::server::workspace::current_user(&c.state.db, &saved).await
}

/// Saves first, last and display name. An empty display name becomes "First Last".
#[server(endpoint = "profile/names")]
pub async fn update_names(
    first_name: String,
    last_name: String,
    display_name: String,
) -> Result<CurrentUser, AppError> {
    use crate::server::profile::ProfileChange;
    crate::server::serve(|c| async move {
        let change = ProfileChange {
            first_name: Some(first_name),
            last_name: Some(last_name),
            display_name: Some(display_name),
            ..ProfileChange::default()
        };
        save(&c, change).await
    })
    .await
}

/// Saves contact person and phone number (stored in E.164; empty clears it).
#[server(endpoint = "profile/contact")]
pub async fn update_contact(
    contact_person: String,
    phone: String,
) -> Result<CurrentUser, AppError> {
    use crate::server::profile::ProfileChange;
    crate::server::serve(|c| async move {
        let change = ProfileChange {
            contact_person: Some(contact_person),
            phone: Some(phone),
            ..ProfileChange::default()
        };
        save(&c, change).await
    })
    .await
}

/// Saves the time zone in which times are shown.
#[server(endpoint = "profile/time-zone")]
pub async fn update_time_zone(time_zone: String) -> Result<CurrentUser, AppError> {
    use crate::server::profile::ProfileChange;
    crate::server::serve(|c| async move {
        let change = ProfileChange {
            time_zone: Some(time_zone),
            ..ProfileChange::default()
        };
        save(&c, change).await
    })
    .await
}

/// Saves the interface language: "en", "de", or "" for the workspace default.
#[server(endpoint = "profile/language")]
pub async fn update_language(language: String) -> Result<CurrentUser, AppError> {
    use crate::server::profile::ProfileChange;
    crate::server::serve(|c| async move {
        let change = ProfileChange {
            language: Some(language),
            ..ProfileChange::default()
        };
        save(&c, change).await
    })
    .await
}
