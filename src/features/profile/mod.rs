//! The profile: names, contact details, time zone and language (email and
//! avatar have their own features).

pub mod page;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::i18n::td_string;
use crate::model::CurrentUser;
use leptos::prelude::*;

/// Saves first, last and display name. An empty display name becomes "First Last".
#[server(endpoint = "profile/names")]
pub async fn update_names(
    first_name: String,
    last_name: String,
    display_name: String,
) -> Result<CurrentUser, AppError> {
    use crate::server::{context::RequestCtx, db::users, state::AppState, workspace};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let auth = ctx.require_auth()?;
        let ws = workspace::load(&state.db).await?;
        let lock = workspace::identity_lock(&auth.user, &ws);
        let mut names = check_names(&first_name, &last_name, &display_name, ctx.locale)?;
        if let Some(reason) = lock {
            // Locked: the display name stays exactly as it is (no "First Last" default).
            if display_name.trim() != auth.user.display_name {
                let l = ctx.locale;
                return Err(AppError::field(
                    "display_name",
                    td_string!(l, validate.display_locked, reason = reason.text(l)).to_string(),
                ));
            }
            names.2 = auth.user.display_name.clone();
        }
        let mut tx = state.db.begin().await?;
        let updated = users::update_names(
            &mut *tx,
            &auth.user.id,
            &users::Names {
                first_name: &names.0,
                last_name: &names.1,
                display_name: &names.2,
            },
        )
        .await?;
        if !updated {
            return Err(AppError::NotFound);
        }
        tx.commit().await?;
        workspace::reload(&state.db, &auth.user.id).await
    })
    .await
}

/// Saves contact person and phone number (stored in E.164; empty clears it).
#[server(endpoint = "profile/contact")]
pub async fn update_contact(
    contact_person: String,
    phone: String,
) -> Result<CurrentUser, AppError> {
    use crate::server::{
        context::RequestCtx, db::users, phone as phones, state::AppState, workspace,
    };
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let auth = ctx.require_auth()?;
        let mut errors = Vec::new();
        let contact =
            crate::validate::name(&contact_person, ctx.locale).unwrap_or_else(|message| {
                errors.push(crate::error::FieldError {
                    field: "contact_person".into(),
                    message,
                });
                String::new()
            });
        let phone = phones::normalize(&phone, ctx.locale).unwrap_or_else(|message| {
            errors.push(crate::error::FieldError {
                field: "phone".into(),
                message,
            });
            None
        });
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        if !users::update_contact(
            &state.db,
            &auth.user.id,
            &contact,
            phone.as_deref().unwrap_or(""),
        )
        .await?
        {
            return Err(AppError::NotFound);
        }
        workspace::reload(&state.db, &auth.user.id).await
    })
    .await
}

/// Saves the time zone in which times are shown.
#[server(endpoint = "profile/time-zone")]
pub async fn update_time_zone(time_zone: String) -> Result<CurrentUser, AppError> {
    use crate::server::{context::RequestCtx, db::users, state::AppState, timefmt, workspace};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let auth = ctx.require_auth()?;
        if !timefmt::is_known_zone(&time_zone) {
            return Err(AppError::field(
                "time_zone",
                td_string!(ctx.locale, validate.time_zone).to_string(),
            ));
        }
        if !users::update_time_zone(&state.db, &auth.user.id, &time_zone).await? {
            return Err(AppError::NotFound);
        }
        workspace::reload(&state.db, &auth.user.id).await
    })
    .await
}

/// Saves the interface language: "en", "de", or "" for the workspace default.
#[server(endpoint = "profile/language")]
pub async fn update_language(language: String) -> Result<CurrentUser, AppError> {
    use crate::server::{context::RequestCtx, db::users, state::AppState, workspace};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let auth = ctx.require_auth()?;
        let language = language.trim();
        if !language.is_empty() && crate::lang::parse(language).is_none() {
            return Err(AppError::field(
                "language",
                td_string!(ctx.locale, validate.language).to_string(),
            ));
        }
        if !users::update_language(&state.db, &auth.user.id, language).await? {
            return Err(AppError::NotFound);
        }
        workspace::reload(&state.db, &auth.user.id).await
    })
    .await
}

/// Every time zone the picker offers.
#[server(endpoint = "profile/time-zones", input = leptos::server_fn::codec::GetUrl)]
pub async fn list_time_zones() -> Result<Vec<String>, AppError> {
    use crate::server::{context::RequestCtx, timefmt};
    crate::server::error::respond(async move {
        RequestCtx::current()?.require_auth()?;
        Ok(timefmt::zones())
    })
    .await
}

/// Validates the three names together, so every bad field is reported at once.
pub fn check_names(
    first: &str,
    last: &str,
    display: &str,
    l: crate::lang::Locale,
) -> Result<(String, String, String), AppError> {
    let mut errors = Vec::new();
    let mut take = |field: &str, value: &str| match crate::validate::name(value, l) {
        Ok(v) => v,
        Err(message) => {
            errors.push(crate::error::FieldError {
                field: field.into(),
                message,
            });
            String::new()
        }
    };
    let first = take("first_name", first);
    let last = take("last_name", last);
    let mut display = take("display_name", display);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if display.is_empty() {
        display = format!("{first} {last}").trim().to_string();
    }
    Ok((first, last, display))
}

#[cfg(test)]
mod tests {
    use super::*;
    const EN: crate::lang::Locale = crate::lang::Locale::en;

    #[test]
    fn display_name_defaults_to_first_last() {
        let (_, _, d) = check_names(" Ada ", "Lovelace", "", EN).expect("valid");
        assert_eq!(d, "Ada Lovelace");
        let (_, _, d) = check_names("Ada", "", " ", EN).expect("valid");
        assert_eq!(d, "Ada");
    }

    #[test]
    fn every_bad_field_is_reported() {
        let e = check_names(&"x".repeat(101), "ok", "bad\u{0}", EN).expect_err("invalid");
        assert!(e.field_message("first_name").is_some());
        assert!(e.field_message("last_name").is_none());
        assert!(e.field_message("display_name").is_some());
    }
}
