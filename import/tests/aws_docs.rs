//! docs/import.md: every `json import-aws FILE` block converts to the
//! `tessera` block right after it, byte for byte. That every Tessera example
//! parses and is canonical, and that drawn diagnostics are the real output,
//! is checked with the other docs by `cli/tests/docs.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

struct Block {
    line: usize,
    info: String,
    text: String,
}

fn blocks() -> Vec<Block> {
    let path = format!("{}/../docs/import.md", env!("CARGO_MANIFEST_DIR"));
    let markdown = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = markdown.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            i += 1;
            continue;
        };
        let indent = lines[i].len() - trimmed.len();
        let start = i;
        let mut text = String::new();
        i += 1;
        while i < lines.len() && lines[i].trim() != "```" {
            let line = lines[i];
            let cut = line.len() - line.trim_start().len();
            text.push_str(&line[cut.min(indent)..]);
            text.push('\n');
            i += 1;
        }
        found.push(Block {
            line: start + 1,
            info: info.trim().to_string(),
            text,
        });
        i += 1;
    }
    found
}

#[test]
fn the_guide_s_conversions_are_the_real_ones() {
    let all = blocks();
    let mut checked = 0;
    for (i, b) in all.iter().enumerate() {
        let words: Vec<&str> = b.info.split_whitespace().collect();
        if words.first() == Some(&"json") && words.get(1) == Some(&"import-aws") {
            let file = words
                .get(2)
                .unwrap_or_else(|| panic!("line {}: name the file", b.line));
            let next = all
                .get(i + 1)
                .unwrap_or_else(|| panic!("line {}: no tessera block after it", b.line));
            assert_eq!(next.info, "tessera", "line {}", next.line);
            let text = tessera_import::aws::convert(file, &b.text)
                .unwrap_or_else(|ds| panic!("line {}: {ds:?}", b.line));
            assert_eq!(
                text, next.text,
                "line {}: the converted text is:\n{text}",
                next.line
            );
            checked += 1;
        }
    }
    assert!(checked >= 1);
}
