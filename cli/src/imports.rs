//! Policies written for other engines, loaded beside Tessera's own: Vault
//! ACL policies (`*.hcl`) and AWS IAM policy documents (`*.json`), converted
//! to Tessera text by `tessera_import` in this one place, so that every
//! command that loads policies (`check`, `eval`, `test`, `lint`, `serve`)
//! decides them together with the `*.policy` files.

use policy_lang::Diagnostic;
use std::path::Path;
use tessera_import::Format;

/// JSON files larger than this are not read to tell whether they are policy
/// documents (the loader's own size limit then applies).
const MAX_SNIFF_BYTES: u64 = 64 * 1024 * 1024;

/// The extension of Tessera policy files.
pub const POLICY_EXTENSION: &str = "policy";

/// Whether a file met in a directory walk is a policy file: `*.policy`,
/// `*.hcl` (Vault), or `*.json` holding an AWS IAM policy document (other
/// JSON files, such as requests, are left alone). A `*.json` file that
/// cannot be read is an error, never a file silently left out.
pub fn found_in_walk(path: &Path) -> std::io::Result<bool> {
    Ok(match path.extension().and_then(|x| x.to_str()) {
        Some(POLICY_EXTENSION) | Some("hcl") => true,
        Some("json") => {
            // Too large to read here: taken, so that reading it refuses it.
            if std::fs::metadata(path)?.len() > MAX_SNIFF_BYTES {
                return Ok(true);
            }
            // Not UTF-8 (a policy saved as UTF-16, say): taken, so that
            // reading it refuses it. Left out, its denies would be lost.
            let Ok(text) = String::from_utf8(std::fs::read(path)?) else {
                return Ok(true);
            };
            tessera_import::aws::is_policy_document(&text)
        }
        _ => false,
    })
}

/// One source read from disk: its name in diagnostics and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub text: String,
}

/// Why imported files could not be loaded: their diagnostics, with the texts
/// they point into.
#[derive(Debug, Clone)]
pub struct ImportError {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Vec<Named>,
}

impl ImportError {
    /// Every diagnostic drawn (rustc-style) against its own file's text.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            let text = self
                .sources
                .iter()
                .find(|s| s.name == d.file())
                .map_or("", |s| s.text.as_str());
            let source = policy_lang::render::SourceText::new(d.file(), text);
            out.push_str(&d.report(Some(&source)).render(color));
            out.push('\n');
        }
        out
    }
}

/// The name the Tessera text converted from the Vault files `names` goes by.
pub fn vault_name(names: &[&str]) -> String {
    format!("{} (converted from Vault)", names.join(", "))
}

/// `sources` as Tessera text, in order: `*.policy` (and any other
/// extension) as they are, each AWS IAM document converted on its own, and
/// every Vault file converted together (Vault picks the most specific path
/// across all of a token's policies) into one source, where the first of
/// them stood. Any diagnostic refuses the whole set.
pub fn convert(sources: Vec<Named>) -> Result<Vec<Named>, ImportError> {
    let mut out = Vec::new();
    let mut diagnostics = Vec::new();
    let vault: Vec<&Named> = sources
        .iter()
        .filter(|s| Format::of(Path::new(&s.name)) == Format::Vault)
        .collect();
    let mut vault_done = false;
    for source in &sources {
        match Format::of(Path::new(&source.name)) {
            Format::Tessera => out.push(source.clone()),
            Format::AwsIam => match tessera_import::aws::convert(&source.name, &source.text) {
                Ok(text) => out.push(Named {
                    name: format!("{} (converted from AWS IAM)", source.name),
                    text,
                }),
                Err(found) => diagnostics.extend(found),
            },
            Format::Vault if vault_done => {}
            Format::Vault => {
                vault_done = true;
                let files: Vec<(&str, &str)> = vault
                    .iter()
                    .map(|s| (s.name.as_str(), s.text.as_str()))
                    .collect();
                match tessera_import::vault::convert(&files) {
                    Ok(text) => {
                        let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
                        out.push(Named {
                            name: vault_name(&names),
                            text,
                        });
                    }
                    Err(found) => diagnostics.extend(found),
                }
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(out)
    } else {
        Err(ImportError {
            diagnostics,
            sources,
        })
    }
}
