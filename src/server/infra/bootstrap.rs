//! First run: make sure an administrator exists.

use crate::error::AppError;
use crate::model::{AccountSource, Role};
use crate::server::auth::{self, password::Password};
use crate::server::db::users;
use crate::server::infra::state::AppState;
use rand::Rng;

pub const FIRST_ADMIN: &str = "admin";

/// Credentials to show the operator once, when this start created the admin.
pub struct CreatedAdmin {
    pub username: String,
    pub password: Option<Password>,
}

/// Creates `admin` when no administrator exists. The password is
/// `TESSERA_ADMIN_PASSWORD` when given, else a random one returned for printing,
/// which must be replaced at the first sign-in.
pub async fn ensure_admin(
    state: &AppState,
    preset: Option<String>,
) -> Result<Option<CreatedAdmin>, AppError> {
    if users::count_admins(&state.db).await? > 0 {
        return Ok(None);
    }
    let generated = preset.is_none();
    let password = Password::new(preset.unwrap_or_else(random_password));
    let admin = match auth::create_user(
        state,
        FIRST_ADMIN,
        "admin@localhost",
        Role::Admin,
        AccountSource::Local,
        Some(&password),
    )
    .await
    {
        Ok(admin) => admin,
        // Several servers starting at once on one database: one of them made
        // the administrator between our check and our insert. Not an error.
        Err(_) if users::count_admins(&state.db).await? > 0 => return Ok(None),
        Err(e) => return Err(e),
    };
    if generated {
        // Printed to a terminal (and maybe a log): the administrator chooses
        // their own at first sign-in before anything else works.
        users::require_password_change(&state.db, &admin.id).await?;
    }
    Ok(Some(CreatedAdmin {
        username: FIRST_ADMIN.into(),
        password: generated.then_some(password),
    }))
}

/// 4 groups of 5 from an alphabet without look-alikes (0/O, 1/l/I): ~110 bits,
/// easy to type from a terminal.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let groups: Vec<String> = (0..4)
        .map(|_| {
            (0..5)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect()
        })
        .collect();
    groups.join("-")
}

/// The framed block `make run` shows on first start.
pub fn banner(created: &CreatedAdmin, url: &str) -> String {
    let password = match &created.password {
        Some(p) => p.expose().to_string(),
        None => "(the one in TESSERA_ADMIN_PASSWORD)".to_string(),
    };
    let lines = [
        "Tessera: first administrator created".to_string(),
        String::new(),
        format!("  URL:      {url}"),
        format!("  Username: {}", created.username),
        format!("  Password: {password}"),
        String::new(),
        "This password is shown only once. Sign in and change it.".to_string(),
    ];
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 4;
    let mut out = format!("\n╔{}╗\n", "═".repeat(width));
    for l in &lines {
        out.push_str(&format!(
            "║  {l}{}║\n",
            " ".repeat(width - 2 - l.chars().count())
        ));
    }
    out.push_str(&format!("╚{}╝\n", "═".repeat(width)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_passwords_pass_the_policy() {
        let p = random_password();
        assert_eq!(p.len(), 23);
        assert!(crate::validate::password_problems(
            &p,
            FIRST_ADMIN,
            "admin@localhost",
            crate::validate::MIN_PASSWORD,
            crate::lang::Locale::en
        )
        .is_empty());
        assert_ne!(p, random_password());
    }

    #[test]
    fn banner_is_framed() {
        let b = banner(
            &CreatedAdmin {
                username: "admin".into(),
                password: Some(Password::new("abc-123")),
            },
            "http://x",
        );
        assert!(b.contains("Password: abc-123"));
        assert!(b.lines().nth(1).is_some_and(|l| l.starts_with('╔')));
    }
}
