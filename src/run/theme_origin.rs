//! [`ThemeOrigin`]: where a run's themes came from, as `summary.json` records it in
//! `theme_source` (`codebook:<path>`, `codebook:<path> (self-trained, seed N)` or
//! `discovered`; what [`crate::pipeline::ThemeSource`] asked for). The string on disk stays
//! as it is; readers parse it here, once.

use std::fmt;
use std::path::{Path, PathBuf};

/// What `analyze --self-train` appends to the codebook path: ` (self-trained, seed N)`.
const SELF_TRAINED: &str = " (self-trained, seed ";

/// Where a run's themes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThemeOrigin {
    /// A codebook file.
    Codebook {
        /// The path as it was given to `analyze` (relative to where it ran, when relative).
        path: PathBuf,
        /// The seed, when the codebook was self-trained on the export (`--self-train`).
        self_trained_seed: Option<u64>,
    },
    /// Themes discovered by clustering, without a codebook.
    Discovered,
    /// Not recorded (a summary written by hand or by an older version), kept as written.
    Unknown(String),
}

impl ThemeOrigin {
    /// Parses the `theme_source` of a `summary.json`.
    pub fn parse(s: &str) -> ThemeOrigin {
        if s == "discovered" {
            return ThemeOrigin::Discovered;
        }
        let Some(rest) = s.strip_prefix("codebook:") else {
            return ThemeOrigin::Unknown(s.to_string());
        };
        let seeded = rest.strip_suffix(')').and_then(|r| {
            let (path, seed) = r.rsplit_once(SELF_TRAINED)?;
            Some((path, seed.parse::<u64>().ok()?))
        });
        let (path, self_trained_seed) = match seeded {
            Some((path, seed)) => (path, Some(seed)),
            None => (rest, None),
        };
        ThemeOrigin::Codebook {
            path: PathBuf::from(path),
            self_trained_seed,
        }
    }

    /// The codebook file, when the themes came from one.
    pub fn codebook(&self) -> Option<&Path> {
        match self {
            ThemeOrigin::Codebook { path, .. } => Some(path),
            _ => None,
        }
    }
}

impl fmt::Display for ThemeOrigin {
    /// The `summary.json` form, which [`ThemeOrigin::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThemeOrigin::Codebook {
                path,
                self_trained_seed,
            } => {
                write!(f, "codebook:{}", path.display())?;
                match self_trained_seed {
                    Some(seed) => write!(f, "{SELF_TRAINED}{seed})"),
                    None => Ok(()),
                }
            }
            ThemeOrigin::Discovered => f.write_str("discovered"),
            ThemeOrigin::Unknown(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_analyze_writes_and_writes_it_back() {
        let cases = [
            ("codebook:themes.yaml", Some("themes.yaml"), None),
            (
                "codebook:corpora/eval/themes.yaml (self-trained, seed 7)",
                Some("corpora/eval/themes.yaml"),
                Some(7),
            ),
            ("codebook:my (draft).yaml", Some("my (draft).yaml"), None),
            ("discovered", None, None),
            ("", None, None),
        ];
        for (raw, path, seed) in cases {
            let t = ThemeOrigin::parse(raw);
            assert_eq!(t.codebook(), path.map(Path::new), "{raw}");
            let got_seed = match &t {
                ThemeOrigin::Codebook {
                    self_trained_seed, ..
                } => *self_trained_seed,
                _ => None,
            };
            assert_eq!(got_seed, seed, "{raw}");
            assert_eq!(t.to_string(), raw);
        }
        assert_eq!(ThemeOrigin::parse("discovered"), ThemeOrigin::Discovered);
    }
}
