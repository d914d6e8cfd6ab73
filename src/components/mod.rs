//! UI pieces shared by every screen.

pub mod browser;
pub mod dialog;
pub mod form;
pub mod layout;
pub mod listing;
pub mod load;
pub mod sudo;
pub mod theme;
pub mod title;
pub mod toast;
pub mod webauthn;
