//! The examples in README.md, policy-lang/LANGUAGE.md and docs/*.md, checked
//! against the real parser, formatter and `policy` binary, so that the docs
//! cannot drift from the tools. CONTRIBUTING.md describes the same rules.
//!
//! **Policy examples.** A fenced block whose info string starts with
//! `tessera` is a whole policy file, `tessera-statement` statements and
//! `tessera-when` conditions of a `when { }` block, one per line, each
//! written from the block's left edge. Each must parse and be in canonical form:
//! `policy_lang::format` leaves it unchanged (wrapped in a policy and a
//! statement at the canonical indentation for the last two). Further words
//! of the info string are free (docs/lint.md's `bad RULE` and `good RULE`),
//! except `invalid`, which marks an example that must not parse, and
//! `not-canonical`, which marks one that shows a layout `policy fmt` changes
//! (such as a statement on one line): it must parse and must not be
//! canonical, so that the mark cannot outlive its reason.
//!
//! **Shown output.** A fenced block directly after a comment line
//!
//! ```text
//! <!-- stdout: policy ARGS -->
//! <!-- stderr: policy ARGS -->
//! ```
//!
//! is exactly what `policy ARGS` writes on that stream when run in
//! `docs/examples/` with no standard input and no colour (ARGS are split at
//! spaces; there is no quoting). Inputs are fixture files under
//! `docs/examples/`, which the doc names. Nothing is normalized: commands
//! that would print a time or a random value are given `--now` or a request
//! that pins `time`. A failing check prints the real output, ready to paste.
//!
//! A ```text block that holds a drawn diagnostic (`error[`, `warning[`,
//! `note[` or a ` --> ` line) must carry such a comment.
//!
//! **Shell transcripts.** A ```text block after `<!-- transcript -->` is a
//! shell session: `$ cd DIR` (relative to the repository root) moves, and
//! every `$ policy ARGS` line is run there (a trailing `# comment` and a
//! `> FILE` redirection are left out). It must not end in a usage or input
//! error (exit 2), and the lines shown after it are its standard output in
//! order: `...` stands for lines left out, and lines shown next to each other
//! are next to each other in the real output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every markdown file whose examples are checked, relative to the root.
fn documents() -> Vec<String> {
    let mut docs = vec![
        "README.md".to_string(),
        "policy-lang/LANGUAGE.md".to_string(),
        "CONTRIBUTING.md".to_string(),
    ];
    let mut more: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| format!("docs/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    more.sort();
    docs.extend(more);
    docs
}

/// One fenced block: where it starts, its info string, its text, and the
/// comment on the line before its opening fence, if any.
struct Block {
    doc: String,
    line: usize,
    info: String,
    text: String,
    comment: Option<String>,
}

fn blocks(doc: &str) -> Vec<Block> {
    let markdown = std::fs::read_to_string(root().join(doc)).unwrap();
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
        let comment = i
            .checked_sub(1)
            .map(|p| lines[p].trim())
            .filter(|l| l.starts_with("<!--") && l.ends_with("-->"))
            .map(|l| l["<!--".len()..l.len() - "-->".len()].trim().to_string());
        let start = i;
        let mut text = String::new();
        i += 1;
        while i < lines.len() && lines[i].trim() != "```" {
            // Blocks inside list items are indented; the indent is not theirs.
            let line = lines[i];
            let cut = line.len() - line.trim_start().len();
            text.push_str(&line[cut.min(indent)..]);
            text.push('\n');
            i += 1;
        }
        assert!(i < lines.len(), "{doc}:{}: unclosed block", start + 1);
        found.push(Block {
            doc: doc.to_string(),
            line: start + 1,
            info: info.trim().to_string(),
            text,
            comment,
        });
        i += 1;
    }
    found
}

fn all_blocks() -> Vec<Block> {
    documents().iter().flat_map(|d| blocks(d)).collect()
}

const WHEN_HEAD: &str = "policy \"doc\" {\n  allow \"doc\" {\n    principal *\n    action    *\n    resource  *\n    when {\n";
const WHEN_TAIL: &str = "    }\n  }\n}\n";

/// The policy file a block stands for, or `None` for a block that is not a
/// policy example.
fn policy_source(block: &Block) -> Option<String> {
    let kind = block.info.split_whitespace().next()?;
    match kind {
        "tessera" => Some(block.text.clone()),
        "tessera-statement" => {
            let mut source = "policy \"doc\" {\n".to_string();
            for line in block.text.lines() {
                if !line.is_empty() {
                    source.push_str("  ");
                }
                source.push_str(line);
                source.push('\n');
            }
            source.push_str("}\n");
            Some(source)
        }
        "tessera-when" => {
            let mut source = WHEN_HEAD.to_string();
            for line in block.text.lines() {
                source.push_str(&format!("      {line}\n"));
            }
            source.push_str(WHEN_TAIL);
            Some(source)
        }
        _ => None,
    }
}

fn has_word(block: &Block, word: &str) -> bool {
    block.info.split_whitespace().any(|w| w == word)
}

fn is_invalid(block: &Block) -> bool {
    has_word(block, "invalid")
}

#[test]
fn every_policy_example_parses_and_is_canonical() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for block in all_blocks() {
        let Some(source) = policy_source(&block) else {
            continue;
        };
        checked += 1;
        let place = format!("{}:{}", block.doc, block.line);
        match policy_lang::parse(&place, &source) {
            Ok(_) if is_invalid(&block) => {
                failures.push(format!("{place}: marked `invalid` but parses"));
            }
            Ok(file) if has_word(&block, "not-canonical") => {
                if policy_lang::format(&file) == source {
                    failures.push(format!(
                        "{place}: marked `not-canonical` but is canonical; drop the mark"
                    ));
                }
            }
            Ok(file) => {
                let canonical = policy_lang::format(&file);
                if canonical != source {
                    failures.push(format!(
                        "{place}: not in canonical form; `policy fmt` writes:\n{canonical}"
                    ));
                }
            }
            Err(_) if is_invalid(&block) => {}
            Err(error) => {
                let drawn: Vec<String> = error
                    .diagnostics()
                    .iter()
                    .map(|d| d.render(&source))
                    .collect();
                failures.push(format!("{place}: does not parse:\n{}", drawn.join("\n")));
            }
        }
    }
    assert!(checked >= 40, "only {checked} policy examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `(stream, args)` of an output comment.
fn output_command(comment: &str) -> Option<(&str, Vec<&str>)> {
    let (stream, command) = comment.split_once(':')?;
    let stream = stream.trim();
    if stream != "stdout" && stream != "stderr" {
        return None;
    }
    let mut words = command.split_whitespace();
    assert_eq!(
        words.next(),
        Some("policy"),
        "an output comment runs `policy`: {comment}"
    );
    Some((stream, words.collect()))
}

fn run(args: &[&str]) -> (String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_policy"))
        .current_dir(root().join("docs/examples"))
        .args(args)
        .env_remove("NO_COLOR")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn every_shown_output_is_the_real_output() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for block in all_blocks() {
        let Some((stream, args)) = block.comment.as_deref().and_then(output_command) else {
            continue;
        };
        checked += 1;
        let (stdout, stderr) = run(&args);
        let real = if stream == "stdout" { &stdout } else { &stderr };
        if *real != block.text {
            failures.push(format!(
                "{}:{}: the {stream} of `policy {}` is not what the doc shows.\n\
                 --- the real {stream}, to paste into the block:\n{real}\
                 --- the doc shows:\n{}\
                 --- (the other stream was:)\n{}",
                block.doc,
                block.line,
                args.join(" "),
                block.text,
                if stream == "stdout" { &stderr } else { &stdout },
            ));
        }
    }
    assert!(checked >= 7, "only {checked} output blocks found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Checks one transcript block; returns its failures.
fn check_transcript(block: &Block) -> (usize, Vec<String>) {
    let mut dir = root();
    let mut failures = Vec::new();
    let mut ran = 0;
    let lines: Vec<&str> = block.text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(command) = lines[i].strip_prefix("$ ") else {
            i += 1;
            continue;
        };
        let line = block.line + 1 + i;
        let mut shown = Vec::new();
        i += 1;
        while i < lines.len() && !lines[i].starts_with("$ ") {
            // An indented `#` line continues the comment above it.
            if !lines[i].trim_start().starts_with('#') {
                shown.push(lines[i]);
            }
            i += 1;
        }
        let command = command.split(" #").next().unwrap_or("").trim();
        let command = command.split(" >").next().unwrap_or("").trim();
        let mut words = command.split_whitespace();
        match words.next() {
            Some("cd") => {
                dir = root().join(words.next().unwrap_or("."));
                continue;
            }
            Some("policy") => {}
            other => panic!(
                "{}:{line}: a transcript runs `cd` and `policy`, not {other:?}",
                block.doc
            ),
        }
        ran += 1;
        let args: Vec<&str> = words.collect();
        let output = Command::new(env!("CARGO_BIN_EXE_policy"))
            .current_dir(&dir)
            .args(&args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        if output.status.code() == Some(2) {
            failures.push(format!(
                "{}:{line}: `{command}` exited 2:\n{}",
                block.doc,
                String::from_utf8_lossy(&output.stderr)
            ));
        } else if !appears_in_order(&shown, &stdout) {
            failures.push(format!(
                "{}:{line}: `{command}` does not print what is shown; it prints:\n{stdout}",
                block.doc
            ));
        }
    }
    (ran, failures)
}

/// Whether `shown` (with `...` for lines left out) appears in `real`: each
/// run of lines between `...` contiguously, the runs in order.
fn appears_in_order(shown: &[&str], real: &str) -> bool {
    let real: Vec<&str> = real.lines().collect();
    let mut from = 0;
    for run in shown.split(|l| l.trim() == "...").filter(|r| !r.is_empty()) {
        let Some(found) = (from..=real.len().saturating_sub(run.len()))
            .find(|&i| real.get(i..i + run.len()) == Some(run))
        else {
            return false;
        };
        from = found + run.len();
    }
    true
}

#[test]
fn every_transcript_runs_and_prints_what_it_shows() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for block in all_blocks() {
        if block.comment.as_deref().map(str::trim) == Some("transcript") {
            let (count, found) = check_transcript(&block);
            ran += count;
            failures.extend(found);
        }
    }
    assert!(ran >= 9, "only {ran} transcript commands found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn transcript_output_is_matched_in_order_with_gaps() {
    let real = "a\nb\nc\nd\n";
    assert!(appears_in_order(&["a", "b"], real));
    assert!(appears_in_order(&["...", "c", "d"], real));
    assert!(appears_in_order(&["a", "...", "d"], real));
    assert!(appears_in_order(&[], real));
    assert!(
        !appears_in_order(&["a", "c"], real),
        "not next to each other"
    );
    assert!(!appears_in_order(&["c", "...", "a"], real), "out of order");
    assert!(!appears_in_order(&["e"], real));
}

#[test]
fn every_drawn_diagnostic_in_the_docs_is_checked() {
    let mut unchecked = Vec::new();
    for block in all_blocks() {
        if policy_source(&block).is_some() {
            continue;
        }
        let drawn = block.text.lines().any(|l| {
            ["error[", "warning[", "note["]
                .iter()
                .any(|head| l.starts_with(head))
                || l.trim_start().starts_with("--> ")
        });
        let marked = block
            .comment
            .as_deref()
            .is_some_and(|c| output_command(c).is_some());
        if drawn && !marked {
            unchecked.push(format!("{}:{}", block.doc, block.line));
        }
    }
    assert!(
        unchecked.is_empty(),
        "blocks drawing a diagnostic without an `<!-- stdout: policy ... -->` or \
         `<!-- stderr: policy ... -->` comment: {unchecked:?}"
    );
}

#[test]
fn the_block_reader_sees_comments_indents_and_info_strings() {
    // The reader itself, on a document of its own, so that a change to it
    // cannot quietly make the checks above see nothing.
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("x.md");
    std::fs::write(
        &doc,
        "<!-- stderr: policy check a.policy -->\n```text\nerror\n```\n\n- item\n\n  ```tessera bad r\n  policy \"p\" {}\n  ```\n",
    )
    .unwrap();
    let found = blocks(doc.to_str().unwrap());
    assert_eq!(found.len(), 2);
    assert_eq!(
        found[0].comment.as_deref(),
        Some("stderr: policy check a.policy")
    );
    assert_eq!(found[0].text, "error\n");
    assert_eq!(found[1].info, "tessera bad r");
    assert_eq!(found[1].text, "policy \"p\" {}\n");
    assert_eq!(found[1].comment, None);
    assert_eq!(
        output_command("stdout: policy lint x --format json"),
        Some(("stdout", vec!["lint", "x", "--format", "json"]))
    );
    assert_eq!(output_command("test-command"), None);
}
