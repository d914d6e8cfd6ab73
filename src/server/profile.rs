//! The profile: names, contact person, phone, time zone and language. One rule
//! set and one statement for the profile page and `PATCH /api/v1/me` alike (email
//! addresses and the avatar have services of their own).

use crate::error::{AppError, FieldError};
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::server::db::{self, users::UserRow};
use crate::server::infra::state::AppState;
use crate::server::infra::{phone, timefmt};
use crate::server::workspace;

/// Fields to change; `None` keeps a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProfileChange {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Empty: "First Last".
    pub display_name: Option<String>,
    pub contact_person: Option<String>,
    /// With the country code; empty clears it. Stored in E.164.
    pub phone: Option<String>,
    /// An IANA zone name.
    pub time_zone: Option<String>,
    /// "en", "de", or empty for the workspace default.
    pub language: Option<String>,
}

/// Checks every changed field (all problems reported at once, in language `l`),
/// saves them in one statement and forgets the user's cached API credentials (the
/// API answers with the profile). Returns the saved row.
pub async fn update(
    state: &AppState,
    user: &UserRow,
    change: &ProfileChange,
    l: Locale,
) -> Result<UserRow, AppError> {
    let pick = |new: &Option<String>, old: &str| new.clone().unwrap_or_else(|| old.to_string());
    let mut errors: Vec<FieldError> = Vec::new();
    let (first, last, mut display) = match check_names(
        &pick(&change.first_name, &user.first_name),
        &pick(&change.last_name, &user.last_name),
        &pick(&change.display_name, &user.display_name),
        l,
    ) {
        Ok(n) => n,
        Err(AppError::Validation(mut e)) => {
            errors.append(&mut e);
            Default::default()
        }
        Err(e) => return Err(e),
    };
    let ws = workspace::load(&state.db).await?;
    if let Some(reason) = workspace::identity_lock(user, &ws) {
        // Locked: the display name stays exactly as it is (no "First Last" default).
        if change
            .display_name
            .as_deref()
            .is_some_and(|d| d.trim() != user.display_name)
        {
            errors.push(FieldError {
                field: "display_name".into(),
                message: td_string!(l, validate.display_locked, reason = reason.text(l))
                    .to_string(),
            });
        }
        display = user.display_name.clone();
    }
    let mut field = |name: &str, r: Result<String, String>| match r {
        Ok(v) => v,
        Err(message) => {
            errors.push(FieldError {
                field: name.into(),
                message,
            });
            String::new()
        }
    };
    let contact = field(
        "contact_person",
        crate::validate::name(&pick(&change.contact_person, &user.contact_person), l),
    );
    let phone_number = match &change.phone {
        Some(p) => field(
            "phone",
            phone::normalize(p, l).map(Option::unwrap_or_default),
        ),
        None => user.phone.clone(),
    };
    let zone = pick(&change.time_zone, &user.time_zone);
    if !timefmt::is_known_zone(&zone) {
        field(
            "time_zone",
            Err(td_string!(l, validate.time_zone).to_string()),
        );
    }
    let language = pick(&change.language, &user.language).trim().to_string();
    if !language.is_empty() && crate::lang::parse(&language).is_none() {
        field(
            "language",
            Err(td_string!(l, validate.language).to_string()),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let profile = db::users::Profile {
        first_name: &first,
        last_name: &last,
        display_name: &display,
        contact_person: &contact,
        phone: &phone_number,
        time_zone: &zone,
        language: &language,
    };
    if !db::users::update_profile(&state.db, &user.id, &profile).await? {
        return Err(AppError::NotFound);
    }
    crate::server::api::invalidate::forget_user(state, &user.id).await;
    db::users::find_by_id(&state.db, &user.id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Validates the three names together, so every bad field is reported at once.
/// An empty display name becomes "First Last".
pub fn check_names(
    first: &str,
    last: &str,
    display: &str,
    l: Locale,
) -> Result<(String, String, String), AppError> {
    let mut errors = Vec::new();
    let mut take = |field: &str, value: &str| match crate::validate::name(value, l) {
        Ok(v) => v,
        Err(message) => {
            errors.push(FieldError {
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
    const EN: Locale = Locale::en;

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
