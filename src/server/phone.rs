//! Phone numbers: parsed and validated with libphonenumber's metadata, stored
//! in E.164, shown in international format.

use phonenumber::Mode;

/// The E.164 form of `input`, `Ok(None)` for an empty field, or a message.
/// Numbers must carry their country code, since Tessera cannot know the region.
pub fn normalize(input: &str) -> Result<Option<String>, String> {
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
        return Err("Start with the country code, e.g. +49 30 1234567.".into());
    }
    match phonenumber::parse(None, &international) {
        Ok(n) if phonenumber::is_valid(&n) => Ok(Some(n.format().mode(Mode::E164).to_string())),
        _ => Err("This is not a valid phone number. Check the digits and the country code.".into()),
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
            normalize("+49 30 901820"),
            Ok(Some("+4930901820".to_string()))
        );
        assert_eq!(
            normalize("0049 (30) 901820"),
            Ok(Some("+4930901820".to_string()))
        );
        assert_eq!(
            normalize("+1 650-253-0000"),
            Ok(Some("+16502530000".to_string()))
        );
        assert_eq!(
            normalize("+44 20 7946 0958"),
            Ok(Some("+442079460958".to_string()))
        );
        assert_eq!(normalize("  "), Ok(None));
    }

    #[test]
    fn bad_numbers_get_a_message() {
        assert!(normalize("030 901820").is_err(), "no country code");
        assert!(normalize("+49 1").is_err(), "too short");
        assert!(normalize("+999 123456").is_err(), "no such country");
        assert!(normalize("call me").is_err());
    }

    #[test]
    fn stored_numbers_are_shown_readably() {
        assert_eq!(display("+16502530000"), "+1 650-253-0000");
        assert_eq!(display(""), "");
    }
}
