//! The browser's side of a passkey ceremony: `navigator.credentials.create`
//! and `.get` with the server's options (JSON, binary fields in base64url),
//! answered as the JSON the server reads. A few lines of JavaScript do the
//! conversion between base64url and the `ArrayBuffer`s WebAuthn wants.
//! On the server these do nothing (they are only called from event handlers).
//!
//! The sign-in page also asks in the background, with conditional mediation:
//! the browser then offers this site's passkeys in the username field's
//! autofill list. A browser runs one request at a time, so a modal request
//! (a button) aborts the background one first.

use crate::i18n::*;

/// Why a ceremony did not give a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CeremonyError {
    /// This browser has no WebAuthn.
    Unsupported,
    /// The person closed the dialog, or it timed out.
    Cancelled,
    /// The authenticator holds a passkey for this account already.
    AlreadyAdded,
    /// The page was reached by another address than the one passkeys belong to.
    WrongAddress,
    /// Anything else the browser said (its error name).
    Other(String),
}

impl CeremonyError {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn from_name(name: &str) -> CeremonyError {
        match name {
            "NotAllowedError" | "AbortError" => CeremonyError::Cancelled,
            "InvalidStateError" => CeremonyError::AlreadyAdded,
            "SecurityError" => CeremonyError::WrongAddress,
            "NotSupportedError" | "Unsupported" => CeremonyError::Unsupported,
            other => CeremonyError::Other(other.to_string()),
        }
    }

    /// What the person reads.
    pub fn message(&self, i18n: leptos_i18n::I18nContext<Locale>) -> String {
        match self {
            CeremonyError::Unsupported => t_string!(i18n, passkeys.unsupported).to_string(),
            CeremonyError::Cancelled => t_string!(i18n, passkeys.cancelled).to_string(),
            CeremonyError::AlreadyAdded => t_string!(i18n, passkeys.already_added).to_string(),
            CeremonyError::WrongAddress => t_string!(i18n, passkeys.wrong_address).to_string(),
            CeremonyError::Other(_) => t_string!(i18n, passkeys.failed).to_string(),
        }
    }
}

#[cfg(feature = "hydrate")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
function bytes(s) {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}
function text(buf) {
  let s = "";
  for (const x of new Uint8Array(buf)) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function fail(e) {
  throw (e && e.name) || "Error";
}
export function supported() {
  return typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
}
let background = null;
export function stopBackground() {
  if (background) { background.abort(); background = null; }
}
export async function autofillAvailable() {
  if (!supported() || typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") return false;
  try { return await PublicKeyCredential.isConditionalMediationAvailable(); } catch (e) { return false; }
}
export async function create(json) {
  if (!supported()) throw "Unsupported";
  const o = JSON.parse(json).publicKey;
  o.challenge = bytes(o.challenge);
  o.user.id = bytes(o.user.id);
  for (const c of o.excludeCredentials || []) c.id = bytes(c.id);
  let c;
  try { c = await navigator.credentials.create({ publicKey: o }); } catch (e) { fail(e); }
  const r = c.response;
  return JSON.stringify({
    id: c.id, rawId: text(c.rawId), type: c.type,
    extensions: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
    response: {
      attestationObject: text(r.attestationObject),
      clientDataJSON: text(r.clientDataJSON),
      transports: r.getTransports ? r.getTransports() : [],
    },
  });
}
export async function get(json, conditional) {
  if (!supported()) throw "Unsupported";
  stopBackground();
  const o = JSON.parse(json).publicKey;
  o.challenge = bytes(o.challenge);
  for (const c of o.allowCredentials || []) c.id = bytes(c.id);
  const request = { publicKey: o };
  const mine = conditional ? new AbortController() : null;
  if (mine) {
    background = mine;
    request.mediation = "conditional";
    request.signal = mine.signal;
  }
  let c;
  try { c = await navigator.credentials.get(request); } catch (e) { fail(e); }
  finally { if (mine && background === mine) background = null; }
  const r = c.response;
  return JSON.stringify({
    id: c.id, rawId: text(c.rawId), type: c.type, extensions: {},
    response: {
      authenticatorData: text(r.authenticatorData),
      clientDataJSON: text(r.clientDataJSON),
      signature: text(r.signature),
      userHandle: r.userHandle ? text(r.userHandle) : null,
    },
  });
}
"#)]
    extern "C" {
        pub fn supported() -> bool;
        #[wasm_bindgen(js_name = stopBackground)]
        pub fn stop_background();
        #[wasm_bindgen(js_name = autofillAvailable)]
        pub async fn autofill_available() -> JsValue;
        #[wasm_bindgen(catch)]
        pub async fn create(options: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch)]
        pub async fn get(options: &str, conditional: bool) -> Result<JsValue, JsValue>;
    }
}

#[cfg(feature = "hydrate")]
fn answer(
    r: Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>,
) -> Result<String, CeremonyError> {
    match r {
        Ok(v) => v
            .as_string()
            .ok_or_else(|| CeremonyError::Other("no answer".into())),
        Err(e) => Err(CeremonyError::from_name(
            &e.as_string().unwrap_or_else(|| "Error".into()),
        )),
    }
}

/// Whether this browser can run a ceremony at all.
pub fn supported() -> bool {
    #[cfg(feature = "hydrate")]
    {
        js::supported()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// Creates a passkey with the server's creation options; the credential as JSON.
pub async fn create(options: &str) -> Result<String, CeremonyError> {
    #[cfg(feature = "hydrate")]
    {
        answer(js::create(options).await)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = options;
        Err(CeremonyError::Unsupported)
    }
}

/// Signs the server's challenge with a passkey; the assertion as JSON.
pub async fn get(options: &str) -> Result<String, CeremonyError> {
    #[cfg(feature = "hydrate")]
    {
        answer(js::get(options, false).await)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = options;
        Err(CeremonyError::Unsupported)
    }
}

/// Whether the browser can offer passkeys in a field's autofill list
/// (conditional mediation).
pub async fn autofill_available() -> bool {
    #[cfg(feature = "hydrate")]
    {
        js::autofill_available().await.as_bool().unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// Signs the server's challenge with the passkey the person picks from the
/// autofill list of a field marked `autocomplete="… webauthn"`. Pending until
/// they pick one, or until [`stop_autofill`] or a modal request ends it.
pub async fn get_from_autofill(options: &str) -> Result<String, CeremonyError> {
    #[cfg(feature = "hydrate")]
    {
        answer(js::get(options, true).await)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = options;
        Err(CeremonyError::Unsupported)
    }
}

/// Ends a pending [`get_from_autofill`] (the page is left).
pub fn stop_autofill() {
    #[cfg(feature = "hydrate")]
    js::stop_background();
}
