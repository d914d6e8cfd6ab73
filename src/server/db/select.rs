//! A statement assembled from fixed SQL fragments, for lists whose filters
//! are optional: a filter left empty adds no condition at all, so the
//! database can seek the index of the conditions that are there (a
//! `($1 = '' OR col = $1)` written once for all cases defeats every index).
//!
//! Fragments are `&'static str` written in this crate; every value is bound,
//! never spliced into the text. Each `?` in a fragment becomes the next `$n`.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, FromRow};

/// A value bound to a `?` of a fragment.
#[derive(Clone, Debug)]
pub enum Arg {
    Text(String),
    Int(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_string())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Select {
    sql: String,
    /// `?`s written so far.
    placeholders: usize,
    args: Vec<Arg>,
}

impl Select {
    /// Starts with `head` (which may hold `?`s too, bound with `with`).
    pub fn new(head: &'static str) -> Self {
        let mut s = Select::default();
        s.push(head);
        s
    }

    /// Appends `fragment`, numbering its `?`s after the ones before it. A
    /// fragment holds no `$` (the numbering's) and no `?` but placeholders.
    pub fn push(&mut self, fragment: &'static str) -> &mut Self {
        debug_assert!(!fragment.contains('$'), "{fragment}");
        for c in fragment.chars() {
            if c == '?' {
                self.placeholders += 1;
                self.sql.push('$');
                self.sql.push_str(&self.placeholders.to_string());
            } else {
                self.sql.push(c);
            }
        }
        self
    }

    /// Binds the next unbound `?`.
    pub fn with(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.args.push(value.into());
        self
    }

    /// Appends `fragment` with the values of its `?`s, in order.
    pub fn and<const N: usize>(&mut self, fragment: &'static str, values: [Arg; N]) -> &mut Self {
        debug_assert_eq!(fragment.matches('?').count(), N, "{fragment}");
        self.push(fragment);
        self.args.extend(values);
        self
    }

    /// `?`s written but not bound yet (they are numbered as if they were);
    /// nonzero also when more values than `?`s were given.
    fn pending(&self) -> usize {
        self.placeholders.abs_diff(self.args.len())
    }

    /// The SQL text, as the database will see it.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub async fn fetch_all<T>(&self, db: &super::Db) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        if self.pending() != 0 {
            return Err(sqlx::Error::Protocol(format!(
                "{} placeholders, {} values: {}",
                self.placeholders,
                self.args.len(),
                self.sql
            )));
        }
        let mut q = sqlx::query_as::<_, T>(AssertSqlSafe(self.sql.clone()));
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(n) => q.bind(*n),
            };
        }
        q.fetch_all(db).await
    }
}

/// The `LIKE` pattern for a case-insensitive substring search of `q`
/// (empty: no search), its wildcards escaped.
pub fn like_pattern(q: &str) -> String {
    let needle = q.trim().to_lowercase();
    if needle.is_empty() {
        return String::new();
    }
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A page of a keyset-paged list fetched with one row more than `limit`:
/// the page, and the cursor (`cursor` of its last row) of the next page when
/// that extra row shows there is one.
pub fn split_page<T>(
    mut rows: Vec<T>,
    limit: i64,
    cursor: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(cursor);
        (rows, next)
    } else {
        (rows, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order_of_writing() {
        let mut s = Select::new("SELECT a FROM t WHERE 1 = 1");
        s.and(" AND a = ?", ["x".into()]);
        s.and(" AND b BETWEEN ? AND ?", [1.into(), 2.into()]);
        s.push(" LIMIT ?").with(50);
        assert_eq!(
            s.sql(),
            "SELECT a FROM t WHERE 1 = 1 AND a = $1 AND b BETWEEN $2 AND $3 LIMIT $4"
        );
        assert_eq!(s.args.len(), 4);
        assert_eq!(s.pending(), 0);
    }

    #[test]
    fn the_extra_row_means_a_next_page() {
        let key = |n: &i32| n.to_string();
        assert_eq!(
            split_page(vec![1, 2, 3], 2, key),
            (vec![1, 2], Some("2".into()))
        );
        assert_eq!(split_page(vec![1, 2], 2, key), (vec![1, 2], None));
    }
}
