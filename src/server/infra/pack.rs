//! A pack (`split::Split`): WASM modules in one file, and how that file
//! goes over the wire (brotli or gzip, as the browser takes).

use std::path::Path;

/// How a pack goes over the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    /// Its `Content-Encoding` name.
    pub fn coding(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// The modules `names` under `pkg`, one after the other, each as its name's
/// length (one byte: `Split::new` takes no longer name), its name, its length
/// (4 bytes, little-endian) and its bytes (`src/boot.js` reads them).
pub fn pack_modules(pkg: &Path, names: &[String]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    for name in names {
        let bytes = std::fs::read(pkg.join(format!("{name}.wasm")))?;
        let too_long = |what| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        out.push(u8::try_from(name.len()).map_err(|_| too_long("module name"))?);
        out.extend_from_slice(name.as_bytes());
        let len = u32::try_from(bytes.len()).map_err(|_| too_long("module"))?;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}

/// How hard a pack is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effort {
    /// A page's own pack, made once and kept: brotli at quality 9, within a
    /// few per cent of its best (11) on WebAssembly at a small fraction of
    /// its time; gzip at its best.
    Best,
    /// Any other set (what a page reached inside the app lacks, or whatever
    /// anyone asks for): brotli at quality 5 and gzip at 6, several times
    /// quicker for a few per cent more bytes, so a flood of made-up sets
    /// costs the server that much less.
    Quick,
    /// A small file made once (the split loader, `loader`): brotli at its
    /// best (on ~60 KB of JavaScript, 3.2 KB against 3.9 at quality 9).
    Most,
}

/// `bytes` as sent with `encoding`, compressed with `effort`.
pub fn compress(bytes: &[u8], encoding: Encoding, effort: Effort) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    match encoding {
        Encoding::Brotli => {
            let quality = match effort {
                Effort::Most => 11,
                Effort::Best => 9,
                Effort::Quick => 5,
            };
            let mut w = brotli::CompressorWriter::new(Vec::new(), 64 * 1024, quality, 22);
            w.write_all(bytes)?;
            w.flush()?;
            Ok(w.into_inner())
        }
        Encoding::Gzip => {
            let level = match effort {
                Effort::Best | Effort::Most => flate2::Compression::best(),
                Effort::Quick => flate2::Compression::default(),
            };
            let mut w = flate2::write::GzEncoder::new(Vec::new(), level);
            w.write_all(bytes)?;
            w.finish()
        }
    }
}

/// The encoding a pack is sent in for `accept` (the request's
/// `Accept-Encoding`, if any): brotli, else gzip, and gzip too when the
/// request names none (RFC 9110: any is then acceptable). `None` when it
/// refuses both (`q=0`, or names neither): packs are made compressed only.
pub fn encoding_for(accept: Option<&str>) -> Option<Encoding> {
    let Some(accept) = accept else {
        return Some(Encoding::Gzip);
    };
    let takes = |wanted: &str| {
        accept.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            parts
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case(wanted))
                && !parts.any(|p| {
                    p.split_once('=').is_some_and(|(k, q)| {
                        k.trim().eq_ignore_ascii_case("q")
                            && q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
                    })
                })
        })
    };
    if takes("br") {
        Some(Encoding::Brotli)
    } else if takes("gzip") {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{encoding_for, Encoding};

    #[test]
    fn a_pack_is_sent_in_the_best_encoding_the_browser_takes() {
        for (accept, expected) in [
            (Some("gzip, deflate, br, zstd"), Some(Encoding::Brotli)),
            (Some("BR;q=0.5"), Some(Encoding::Brotli)),
            (Some("gzip, br;q=0"), Some(Encoding::Gzip)),
            (Some("gzip;q=0.1, br; Q=0"), Some(Encoding::Gzip)),
            // Naming none, a request takes any.
            (None, Some(Encoding::Gzip)),
            (Some("gzip; q=0, br ; q=0.0"), None),
            (Some(""), None),
            (Some("identity, brotli"), None),
        ] {
            assert_eq!(encoding_for(accept), expected, "{accept:?}");
        }
    }
}
