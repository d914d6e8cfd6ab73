//! Phone numbers: parsed and validated with libphonenumber's metadata, stored
//! in E.164, shown in international format.

use crate::i18n::td_string;
use crate::lang::Locale;
use phonenumber::Mode;

/// The E.164 form of `input`, `Ok(None)` for an empty field, or a message.
/// Numbers must carry their country code, since Tessera cannot know the region.
pub fn normalize(input: &str, l: Locale) -> Result<Option<String>, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let international = if let Some(rest) = trimmed.strip_prefix("00") {
        format!("+{rest}")
    } else {
        trimmed.to_string()
    };
    if !international.starts_with('+') {
        return Err(td_string!(l, validate.phone_country).to_string());
    }
    match phonenumber::parse(None, &international) {
        Ok(n) if phonenumber::is_valid(&n) => Ok(Some(n.format().mode(Mode::E164).to_string())),
        _ => Err(td_string!(l, validate.phone_invalid).to_string()),
    }
}

/// "+49 30 1234567" for a stored E.164 number; empty for none.
pub fn display(e164: &str) -> String {
    if e164.is_empty() {
        return String::new();
    }
    match phonenumber::parse(None, e164) {
        Ok(n) => n.format().mode(Mode::International).to_string(),
        Err(_) => e164.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_normalised_to_e164() {
        assert_eq!(
            normalize("+49 30 901820", Locale::en),
            Ok(Some("+4930901820".to_string()))
        );
        assert_eq!(
            normalize("0049 (30) 901820", Locale::en),
            Ok(Some("+4930901820".to_string()))
        );
        assert_eq!(
            normalize("+1 650-253-0000", Locale::en),
            Ok(Some("+16502530000".to_string()))
        );
        assert_eq!(
            normalize("+44 20 7946 0958", Locale::en),
            Ok(Some("+442079460958".to_string()))
        );
        assert_eq!(normalize("  ", Locale::en), Ok(None));
    }

    #[test]
    fn bad_numbers_get_a_message() {
        assert!(
            normalize("030 901820", Locale::en).is_err(),
            "no country code"
        );
        assert!(normalize("+49 1", Locale::en).is_err(), "too short");
        assert!(
            normalize("+999 123456", Locale::en).is_err(),
            "no such country"
        );
        assert!(normalize("call me", Locale::en).is_err());
    }

    #[test]
    fn stored_numbers_are_shown_readably() {
        assert_eq!(display("+16502530000"), "+1 650-253-0000");
        assert_eq!(display(""), "");
    }
}
