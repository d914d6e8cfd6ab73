//! The one error type every server function returns.
//!
//! It travels to the browser as JSON, so it carries only what a person may see:
//! field messages for forms, a status-like kind, and for internal failures nothing
//! but a request id to quote to the operator. The full cause of an internal error
//! is logged on the server where it happened (see `server::error`), never sent.

use crate::i18n::td_string;
use crate::lang::Locale;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A message about one form field, shown next to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input was refused; each message belongs next to its field.
    #[error("Please correct the highlighted fields.")]
    Validation(Vec<FieldError>),
    /// A refusal that belongs to the whole form rather than one field (e.g. wrong credentials).
    #[error("{0}")]
    BadRequest(String),
    #[error("Please sign in.")]
    Unauthorized,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    /// A sensitive action needs the password entered within the last minutes
    /// (sudo mode); the UI asks for it and retries.
    #[error("Confirm your password to continue.")]
    ReauthRequired,
    /// The workspace mandates two-factor authentication and this account has
    /// none yet: nothing works until it is set up.
    #[error("Set up two-factor authentication first.")]
    TwoFactorRequired,
    /// The password was generated and shown (the first administrator's):
    /// nothing works until the owner has chosen their own.
    #[error("Choose a new password first.")]
    PasswordChangeRequired,
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("The service is temporarily unavailable. Please try again in a moment.")]
    Unavailable,
    /// Something broke on the server; the id finds the full story in the logs.
    #[error("Something went wrong on our side (request {request_id}).")]
    Internal { request_id: String },
    /// The request never reached our code (network down, malformed response, …).
    #[error("Could not reach the server. Check your connection and try again.")]
    Transport,
    /// The arguments did not parse: a broken or hand-made request.
    #[error("The request was malformed.")]
    Malformed,
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The message for `field`, if this error carries one.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation(errors) => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }

    /// True when the error is about none of `fields` (and is not the sudo prompt,
    /// which the password dialog handles): it belongs to the whole form (a toast
    /// or an alert) rather than next to a field.
    pub fn belongs_to_form(&self, fields: &[&str]) -> bool {
        !matches!(self, AppError::ReauthRequired)
            && fields.iter().all(|f| self.field_message(f).is_none())
    }

    /// The message for a person reading `locale`. Messages the server wrote
    /// (field errors, refusals) arrive already in the request's language.
    pub fn text(&self, locale: Locale) -> String {
        match self {
            AppError::Validation(_) => td_string!(locale, errors.fix_fields).to_string(),
            AppError::BadRequest(m) | AppError::TooManyRequests { message: m, .. } => m.clone(),
            AppError::Unauthorized => td_string!(locale, errors.sign_in).to_string(),
            AppError::Forbidden => td_string!(locale, errors.forbidden).to_string(),
            AppError::NotFound => td_string!(locale, errors.not_found).to_string(),
            AppError::ReauthRequired => td_string!(locale, errors.reauth).to_string(),
            AppError::TwoFactorRequired => {
                td_string!(locale, errors.two_factor_required).to_string()
            }
            AppError::PasswordChangeRequired => {
                td_string!(locale, errors.password_change_required).to_string()
            }
            AppError::Unavailable => td_string!(locale, errors.unavailable).to_string(),
            AppError::Internal { request_id } => {
                td_string!(locale, errors.internal, id = request_id).to_string()
            }
            AppError::Transport => td_string!(locale, errors.transport).to_string(),
            AppError::Malformed => td_string!(locale, errors.malformed).to_string(),
        }
    }

    /// [`AppError::text`] in the page's current language.
    pub fn message(&self) -> String {
        self.text(crate::lang::current())
    }

    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Validation(_) => 422,
            AppError::BadRequest(_) | AppError::Malformed => 400,
            AppError::Unauthorized => 401,
            AppError::Forbidden
            | AppError::ReauthRequired
            | AppError::TwoFactorRequired
            | AppError::PasswordChangeRequired => 403,
            AppError::NotFound => 404,
            AppError::TooManyRequests { .. } => 429,
            AppError::Unavailable => 503,
            AppError::Internal { .. } | AppError::Transport => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let err = match value {
            // Arguments that did not parse are the client's fault, not a crash.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => AppError::Malformed,
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Transport,
            _ => AppError::Internal {
                request_id: String::new(),
            },
        };
        // On the server this runs before the function's body (arguments that
        // did not parse), where nothing else sets the status: without this a
        // malformed request would be answered 500 (found by the malformed-
        // input battery, tests/it/malformed.rs).
        #[cfg(feature = "ssr")]
        err.set_response_status();
        err
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Sets the answer's status (and `Retry-After`) for this error on the
    /// server function's response, when called within one.
    pub fn set_response_status(&self) {
        let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else {
            return;
        };
        if let Ok(status) = http::StatusCode::from_u16(self.status_code()) {
            opts.set_status(status);
        }
        if let AppError::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            if let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                opts.insert_header(http::header::RETRY_AFTER, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_messages_are_found_by_name() {
        let e = AppError::field("first_name", "Too long");
        assert_eq!(e.field_message("first_name").as_deref(), Some("Too long"));
        assert_eq!(e.field_message("last_name"), None);
        assert_eq!(e.status_code(), 422);
    }

    #[test]
    fn form_level_errors_are_those_of_no_listed_field() {
        let e = AppError::field("phone", "bad");
        assert!(!e.belongs_to_form(&["phone", "contact_person"]));
        assert!(e.belongs_to_form(&["first_name"]));
        assert!(AppError::Unavailable.belongs_to_form(&["phone"]));
        assert!(!AppError::ReauthRequired.belongs_to_form(&[]));
    }

    #[test]
    fn internal_errors_show_only_the_request_id() {
        let e = AppError::Internal {
            request_id: "abc".into(),
        };
        assert_eq!(
            e.to_string(),
            "Something went wrong on our side (request abc)."
        );
    }
}
