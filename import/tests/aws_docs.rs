//! docs/import-aws.md: every `json import-aws FILE` block converts to the
//! `tessera` block right after it, byte for byte, and every Tessera example
//! parses and is canonical (the rules of `cli/tests/docs.rs`, which checks
//! docs/*.md once the CLI builds them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

struct Block {
    line: usize,
    info: String,
    text: String,
}

fn blocks() -> Vec<Block> {
    let path = format!("{}/../docs/import-aws.md", env!("CARGO_MANIFEST_DIR"));
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

const WHEN_HEAD: &str = "policy \"doc\" {\n  allow \"doc\" {\n    principal *\n    action    *\n    resource  *\n    when {\n";
const WHEN_TAIL: &str = "    }\n  }\n}\n";

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

#[test]
fn the_guide_s_tessera_examples_parse_and_are_canonical() {
    let mut checked = 0;
    for b in blocks() {
        let source = match b.info.split_whitespace().next() {
            Some("tessera") => b.text.clone(),
            Some("tessera-when") => {
                let mut s = WHEN_HEAD.to_string();
                for line in b.text.lines() {
                    s.push_str(&format!("      {line}\n"));
                }
                s.push_str(WHEN_TAIL);
                s
            }
            _ => {
                assert!(
                    !b.text
                        .lines()
                        .any(|l| l.starts_with("error[") || l.trim_start().starts_with("--> ")),
                    "line {}: a drawn diagnostic needs an output comment",
                    b.line
                );
                continue;
            }
        };
        let file = policy_lang::parse("doc.policy", &source)
            .unwrap_or_else(|e| panic!("line {}: {e}", b.line));
        assert_eq!(
            policy_lang::format(&file),
            source,
            "line {}: not canonical",
            b.line
        );
        checked += 1;
    }
    assert!(checked >= 2);
}
