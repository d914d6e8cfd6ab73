//! Reading raw values: the config file's `[tessera]` table, numbers within
//! bounds, the public URL. Each failure names its key.

use super::keys::KEYS;
use super::{bad, ConfigError};
use std::collections::BTreeMap;

/// The `[tessera]` table of the config file as strings; other tables (such as
/// `[package.metadata.leptos]`) are left alone, unknown keys in ours are an error.
pub(super) fn file_values(text: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut out = BTreeMap::new();
    if text.trim().is_empty() {
        return Ok(out);
    }
    let doc: toml::Table = text
        .parse()
        .map_err(|e| bad("config", format!("not valid TOML: {e}")))?;
    let Some(table) = doc.get("tessera") else {
        return Ok(out);
    };
    let table = table
        .as_table()
        .ok_or_else(|| bad("tessera", "must be a table"))?;
    for (key, value) in table {
        if !KEYS.iter().any(|(k, _, _)| k == key) {
            return Err(bad(key, "unknown setting"));
        }
        let s = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => return Err(bad(key, "must be a string, number or boolean")),
        };
        out.insert(key.clone(), s);
    }
    Ok(out)
}

/// The trimmed value of `key`; empty counts as unset.
pub(super) fn value<'a>(raw: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    raw.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

pub(super) fn number<T>(
    raw: &BTreeMap<String, String>,
    key: &str,
    default: T,
    min: T,
    max: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(v) = value(raw, key) else {
        return Ok(default);
    };
    let n: T = v
        .parse()
        .map_err(|_| bad(key, format!("`{v}` is not a whole number")))?;
    if n < min || n > max {
        return Err(bad(key, format!("{n} is outside {min}..={max}")));
    }
    Ok(n)
}

pub(super) fn parse_public_url(v: &str) -> Result<String, ConfigError> {
    let v = v.trim_end_matches('/');
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .ok_or_else(|| {
            bad(
                "public_url",
                format!("`{v}` must start with http:// or https://"),
            )
        })?;
    if rest.is_empty() || rest.contains('/') || rest.contains('@') || rest.contains('?') {
        return Err(bad(
            "public_url",
            format!("`{v}` must be scheme://host[:port] without a path"),
        ));
    }
    Ok(v.to_string())
}
