//! Server-side half of [`AppError`]: turning internal failures into safe answers.
//!
//! Internal causes (SQL, I/O, hashing) are logged here, inside the request's
//! tracing span so the log line carries the request id; the browser gets only
//! the id. A database that cannot be reached answers 503, not 500.

use crate::error::AppError;
use crate::server::infra::context::RequestCtx;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::error!(error = %e, "database unavailable");
                AppError::Unavailable
            }
            // PostgreSQL's text cannot hold NUL (SQLSTATE 22021): a value with
            // one is the client's doing, refused before anything was written
            // (SQLite stores it; there such a value fails the rules or is kept).
            // Found by schemathesis (`make battery`).
            e if e
                .as_database_error()
                .and_then(sqlx::error::DatabaseError::code)
                .is_some_and(|c| c == "22021") =>
            {
                tracing::warn!("refused a value with a NUL character");
                AppError::Malformed
            }
            e => {
                tracing::error!(error = %e, "database error");
                AppError::Internal {
                    request_id: String::new(),
                }
            }
        }
    }
}

impl From<crate::server::auth::password::HashError> for AppError {
    fn from(e: crate::server::auth::password::HashError) -> Self {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal {
            request_id: String::new(),
        }
    }
}

/// A collision with a unique index as a message for the field it concerns, in
/// language `l`; any other error as it is (see `From<sqlx::Error>`).
pub fn unique_clash(e: sqlx::Error, l: crate::lang::Locale) -> AppError {
    use crate::i18n::td_string;
    use crate::server::db::UniqueKey;
    match crate::server::db::unique_key(&e) {
        Some(UniqueKey::Username) => AppError::field(
            "username",
            td_string!(l, validate.username_taken).to_string(),
        ),
        Some(UniqueKey::Email) => AppError::field("email", td_string!(l, email.taken).to_string()),
        Some(UniqueKey::TokenName | UniqueKey::AppPasswordName) => {
            AppError::field("name", td_string!(l, tokens.name_taken).to_string())
        }
        Some(UniqueKey::PasskeyCredential) => {
            AppError::BadRequest(td_string!(l, passkeys.already_added).to_string())
        }
        None => e.into(),
    }
}

/// Runs a server function's body and prepares its error for the wire: the HTTP
/// status matches the error, and internal errors carry the request id.
pub async fn respond<T>(
    body: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let result = body.await;
    let Err(err) = result else { return result };
    let err = match err {
        AppError::Internal { .. } => AppError::Internal {
            request_id: RequestCtx::current()
                .map(|c| c.request_id)
                .unwrap_or_default(),
        },
        other => other,
    };
    err.set_response_status();
    Err(err)
}
