//! What the two-factor pages and the server exchange. A leaf: imports nothing
//! from `server`.

use serde::{Deserialize, Serialize};

/// Where the signed-in account stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    /// Any second factor: the authenticator app or a passkey.
    pub enabled: bool,
    /// The authenticator app (TOTP) is set up.
    pub totp: bool,
    /// Passkeys and security keys registered.
    pub passkeys: i64,
    pub recovery_codes_left: i64,
    /// The workspace requires 2FA (it cannot be turned off).
    pub mandatory: bool,
    /// An external account whose directory provides 2FA: nothing to set up here.
    pub managed_by_directory: bool,
}

/// What the authenticator app needs, shown once while enrolling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The QR code as an SVG data URL (rendered on the server).
    pub qr_svg: String,
    /// The key in base32, in groups of four, for typing into the app.
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    pub uri: String,
}
