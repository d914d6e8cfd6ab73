//! Changing the password.

pub mod page;

use crate::error::AppError;
use leptos::prelude::*;

/// Changes the password; every other session of the user ends.
#[server(endpoint = "password/change")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::server::{auth::password::Password, password};
    crate::server::serve(|c| async move {
        let session_id = password::change_password(
            &c.state,
            &c.ctx,
            c.auth()?,
            &Password::new(current_password),
            &Password::new(new_password),
            &Password::new(confirm_password),
        )
        .await?;
        c.set_session_cookie(&session_id);
        Ok(())
    })
    .await
}

/// The rules a candidate password breaks that only the server can check (the
/// common-password list), for live feedback while typing. Nothing is stored.
#[server(endpoint = "password/check")]
pub async fn check_password(password: String) -> Result<Vec<String>, AppError> {
    use crate::server::auth::policy;
    crate::server::serve(|c| async move {
        c.auth()?;
        Ok(if policy::is_common(&password) {
            vec![policy::common_message(c.ctx.locale)]
        } else {
            Vec::new()
        })
    })
    .await
}

/// 0 (very weak) to 4 (strong), from length and variety; capped at 1 while any
/// rule is broken. A guide for the person typing, not a security boundary.
pub fn strength(password: &str, broken_rules: usize) -> u8 {
    let len = password.chars().count();
    let classes = [
        password.chars().any(char::is_lowercase),
        password.chars().any(char::is_uppercase),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    let mut score = 0u8;
    if len >= 8 {
        score += 1;
    }
    if len >= 12 {
        score += 1;
    }
    if classes >= 3 {
        score += 1;
    }
    if len >= 16 || (len >= 12 && classes == 4) {
        score += 1;
    }
    if broken_rules > 0 {
        score = score.min(1);
    }
    score
}

#[cfg(test)]
mod tests {
    use super::strength;

    #[test]
    fn strength_grows_with_length_and_variety() {
        assert_eq!(strength("", 0), 0);
        assert_eq!(strength("abcdefgh", 0), 1);
        assert_eq!(strength("abcdefgh1234", 0), 2);
        assert_eq!(strength("Abcdefgh1234", 0), 3);
        assert_eq!(strength("Abcdefgh1234!", 0), 4);
        assert_eq!(strength("Abcdefgh1234!", 1), 1);
    }
}
