//! The WebAuthn relying party passkeys belong to, made once from
//! `public_url` (see `server::passkeys`).

use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

/// The relying party for `public_url`, or `None` when its host is an address
/// (browsers refuse an IP address as RP id) or the URL does not parse.
pub fn relying_party(public_url: &str) -> Option<Webauthn> {
    let origin = Url::parse(public_url).ok()?;
    let rp_id = origin.domain()?.to_string();
    let built = WebauthnBuilder::new(&rp_id, &origin).and_then(|b| b.rp_name("Tessera").build());
    match built {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, "passkeys are unavailable for this public_url");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relying_party_needs_a_domain_name() {
        assert!(relying_party("http://localhost:3000").is_some());
        assert!(relying_party("https://id.example.org").is_some());
        assert!(relying_party("http://127.0.0.1:3000").is_none());
        assert!(relying_party("http://[::1]:3000").is_none());
    }
}
