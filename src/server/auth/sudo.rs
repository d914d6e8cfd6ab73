//! Sudo mode: sensitive actions need the password entered in this session within
//! the last ten minutes, so a borrowed unlocked browser cannot change the email
//! address, the password or (later) 2FA and tokens.

//!
//! This is the check; opening the window (`confirm`) is the sudo service,
//! `server/sudo.rs`.

use crate::error::AppError;
use crate::server::db;
use crate::server::infra::context::Auth;

pub const WINDOW_SECS: i64 = 600;

/// Ok when the session re-authenticated recently, else `ReauthRequired` (the UI
/// then asks for the password and retries).
pub fn require(auth: &Auth) -> Result<(), AppError> {
    if db::now() - auth.sudo_at <= WINDOW_SECS {
        Ok(())
    } else {
        Err(AppError::ReauthRequired)
    }
}
