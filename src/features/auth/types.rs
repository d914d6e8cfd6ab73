//! What the sign-in and sudo dialogs and the server exchange. A leaf: imports
//! nothing from `server`.

use serde::{Deserialize, Serialize};

/// What the account may confirm sudo mode with besides its password.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SudoMethods {
    /// A current code from the authenticator app (TOTP is on).
    pub code: bool,
    /// A passkey (the account has at least one).
    pub passkey: bool,
}
