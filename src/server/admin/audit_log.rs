//! Admin › Audit log: the filter as the database reads it, pages of matching
//! rows for the screen, and the same rows as CSV for the export.

use super::require_user;
use crate::error::AppError;
use crate::features::admin::types::{AuditEntry, AuditFilter, AuditPage};
use crate::i18n::td_string;
use crate::server::audit;
use crate::server::db::{self, users::UserRow};
use crate::server::infra::context::current_locale;
use crate::server::infra::state::AppState;
use crate::server::Result;

/// Audit rows per page of the admin's audit log.
const AUDIT_PAGE: i64 = 50;

/// An [`AuditFilter`] checked and resolved for the database: days as Unix
/// seconds (UTC, both included), the target's username as its account id.
#[derive(Clone, Debug)]
pub struct Selection {
    actor: String,
    target_id: String,
    action: String,
    outcome: String,
    from: i64,
    to: i64,
}

impl Selection {
    pub fn filter(&self) -> db::audit::Filter<'_> {
        db::audit::Filter {
            actor: &self.actor,
            target_id: &self.target_id,
            action: &self.action,
            outcome: &self.outcome,
            from: self.from,
            to: self.to,
        }
    }
}

/// The start (or, with `end`, the last second) of the day `text`
/// (`YYYY-MM-DD`, UTC); empty: no bound. A bad day is a field error on `field`.
fn day(text: &str, field: &str, end: bool) -> Result<i64> {
    if text.trim().is_empty() {
        return Ok(if end { i64::MAX } else { 0 });
    }
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::field(
            field,
            td_string!(current_locale(), admin.bad_day).to_string(),
        )
    })?;
    let t = if end {
        date.and_hms_opt(23, 59, 59)
    } else {
        date.and_hms_opt(0, 0, 0)
    };
    Ok(t.map_or(0, |t| t.and_utc().timestamp()))
}

/// Resolves `f` (an unknown target name is taken as an account id: the rows
/// of a deleted account still match it).
pub async fn audit_filter(state: &AppState, f: &AuditFilter) -> Result<Selection> {
    let from = day(&f.from, "from", false)?;
    let to = day(&f.to, "to", true)?;
    let target = f.target.trim();
    let target_id = if target.is_empty() {
        String::new()
    } else {
        match db::users::find_by_username(&state.db, target).await? {
            Some(u) => u.id.to_string(),
            None => target.to_string(),
        }
    };
    Ok(Selection {
        actor: f.actor.trim().to_string(),
        target_id,
        action: f.action.trim().to_string(),
        outcome: f.outcome.trim().to_string(),
        from,
        to,
    })
}

/// The account a row concerned as shown: its username, or "deleted user #…"
/// once it is gone; empty for workspace-wide actions.
fn target_shown(found: &db::audit::Found) -> String {
    match (&found.row.target_id, found.target_name.is_empty()) {
        (Some(_), false) => found.target_name.clone(),
        (Some(id), true) => crate::server::account::shown_as_deleted(id),
        (None, _) => String::new(),
    }
}

/// A row's time as RFC 3339 in UTC.
fn utc(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn audit_entry(found: db::audit::Found, reader: &UserRow, l: crate::lang::Locale) -> AuditEntry {
    let target = target_shown(&found);
    let r = found.row;
    let (browser, os) = crate::server::infra::user_agent::describe(&r.user_agent);
    AuditEntry {
        device: if r.user_agent.is_empty() {
            String::new()
        } else {
            format!("{browser} · {os}")
        },
        summary: audit::summary(&r.detail),
        utc: utc(r.created_at),
        local: crate::server::infra::timefmt::format(r.created_at, &reader.time_zone, l),
        id: r.id,
        actor: r.actor_name,
        action: r.action,
        target,
        ip: r.ip,
        user_agent: r.user_agent,
        outcome: r.outcome,
        detail: r.detail,
    }
}

/// A page of the audit log matching `f`, newest first.
pub async fn audit_page(
    state: &AppState,
    admin: &UserRow,
    f: &AuditFilter,
    before: Option<&str>,
) -> Result<AuditPage> {
    require_user(admin)?;
    let l = current_locale();
    let selection = audit_filter(state, f).await?;
    let rows = db::audit::search(&state.db, &selection.filter(), before, AUDIT_PAGE + 1).await?;
    let (rows, older) = db::select::split_page(rows, AUDIT_PAGE, |r| r.row.id.clone());
    Ok(AuditPage {
        entries: rows.into_iter().map(|r| audit_entry(r, admin, l)).collect(),
        older,
    })
}

/// The first line of the CSV export, after a byte order mark that tells
/// spreadsheets the file is UTF-8.
pub const CSV_HEADER: &str = "\u{feff}time_utc,actor,action,target,ip,user_agent,outcome,detail\n";

/// One row of the CSV export, with its line break.
pub fn csv_row(found: db::audit::Found) -> String {
    let target = target_shown(&found);
    let r = found.row;
    let fields = [
        utc(r.created_at),
        r.actor_name,
        r.action,
        target,
        r.ip,
        r.user_agent,
        r.outcome,
        r.detail,
    ];
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// One CSV field: quoted, quotes doubled, and a leading `=`, `+`, `-`, `@`,
/// tab or carriage return defused so a spreadsheet does not run it as a
/// formula.
fn csv_field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "\"plain\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_field(formula).starts_with("\"'"), "{formula}");
        }
        assert_eq!(csv_field("a,b\nc"), "\"a,b\nc\"");
    }
}
