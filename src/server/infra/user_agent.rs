//! Just enough User-Agent parsing to name a device ("Firefox 128 on Linux").
//! Deliberately small: the list only has to be recognisable to its owner.

/// Browser (with major version when known) and operating system; empty when
/// not recognised (the page says "Unknown …" in the reader's language).
pub fn describe(ua: &str) -> (String, String) {
    (browser(ua), os(ua).to_string())
}

fn browser(ua: &str) -> String {
    // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
    const BROWSERS: &[(&str, &str)] = &[
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("HeadlessChrome/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("CriOS/", "Chrome"),
        ("FxiOS/", "Firefox"),
        ("Version/", "Safari"),
        ("curl/", "curl"),
    ];
    for (token, name) in BROWSERS {
        if let Some(rest) = ua.split(token).nth(1) {
            if *name == "Safari" && !ua.contains("Safari/") {
                continue;
            }
            let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
            return if major.is_empty() {
                (*name).to_string()
            } else {
                format!("{name} {major}")
            };
        }
    }
    String::new()
}

fn os(ua: &str) -> &'static str {
    const SYSTEMS: &[(&str, &str)] = &[
        ("Windows", "Windows"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
    ];
    SYSTEMS
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map_or("", |(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::describe;

    fn d(ua: &str) -> (String, String) {
        describe(ua)
    }

    #[test]
    fn common_browsers() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
        assert_eq!(d(chrome), ("Chrome 126".into(), "Windows".into()));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0.2592";
        assert_eq!(d(edge).0, "Edge 126");
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(d(firefox), ("Firefox 128".into(), "Linux".into()));
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(d(safari), ("Safari 17".into(), "iOS".into()));
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
        assert_eq!(d(android), ("Chrome 126".into(), "Android".into()));
        let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
        assert_eq!(d(mac), ("Safari 17".into(), "macOS".into()));
    }

    #[test]
    fn unknown_and_empty() {
        assert_eq!(d(""), (String::new(), String::new()));
        assert_eq!(d("curl/8.5.0").0, "curl 8");
    }
}
