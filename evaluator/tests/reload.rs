//! Hot reload under load: threads deciding in a loop while another swaps
//! policy sets hundreds of times must get, for every decision, exactly what
//! the revision that made it says; failed reloads keep the old set serving;
//! identical sources change nothing; concurrent reloads do not interleave.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use tessera::reload::{LiveEngine, Reloaded};
use tessera::{Engine, Outcome, Request, Source};

/// Allows the request through `a/read`; its filler statements never apply.
const SET_A: &str = r#"policy "a" {
  allow "read" {
    principal service:*
    action    secrets:GetSecretValue
    resource  app/**
  }
  deny "never" {
    principal user:nobody
    action    *
    resource  *
  }
}
"#;

/// Denies the same request through `b/deny`, beating its own allow.
const SET_B: &str = r#"policy "b" {
  allow "read" {
    principal service:*
    action    secrets:GetSecretValue
    resource  app/**
  }
  deny "deny" {
    principal *
    action    secrets:GetSecretValue
    resource  app/db
  }
  allow "other" {
    principal *
    action    secrets:DescribeSecret
    resource  *
  }
}
"#;

/// What a decision for [`request`] looks like: outcome and determining statements.
type Answer = (Outcome, Vec<(String, String)>);

fn request() -> Request {
    Request::new("service:api", "secrets:GetSecretValue", "app/db")
}

fn sources(text: &str) -> [Source<'_>; 1] {
    [Source::new("set.policy", text)]
}

fn compile(text: &str) -> Engine {
    Engine::compile(&sources(text)).unwrap()
}

fn answer(engine: &Engine) -> Answer {
    let decision = engine.decide(&request());
    let names = decision
        .determining
        .iter()
        .map(|s| (s.policy.to_string(), s.statement.to_string()))
        .collect();
    (decision.outcome, names)
}

fn named(policy: &str, statement: &str) -> Vec<(String, String)> {
    vec![(policy.to_string(), statement.to_string())]
}

#[test]
fn every_decision_is_the_answer_of_the_revision_that_made_it() {
    const READERS: usize = 4;
    const RELOADS: usize = 400;

    let a = compile(SET_A);
    let b = compile(SET_B);
    let expected: HashMap<String, Answer> = HashMap::from([
        (
            a.revision().to_string(),
            (Outcome::Allow, named("a", "read")),
        ),
        (
            b.revision().to_string(),
            (Outcome::Deny, named("b", "deny")),
        ),
    ]);
    assert_eq!(expected.len(), 2, "the two sets must have two revisions");
    let (revision_a, revision_b) = (a.revision().to_string(), b.revision().to_string());

    let live = Arc::new(LiveEngine::new(a));
    let done = Arc::new(AtomicBool::new(false));
    let decisions = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(Barrier::new(READERS + 1));

    let readers: Vec<_> = (0..READERS)
        .map(|reader| {
            let (live, done, decisions, started) = (
                live.clone(),
                done.clone(),
                decisions.clone(),
                started.clone(),
            );
            std::thread::spawn(move || {
                // (revision, answer) -> how many decisions.
                let mut seen: HashMap<(String, Answer), usize> = HashMap::new();
                let mut record = |revision: &str, answer: Answer| {
                    *seen.entry((revision.to_string(), answer)).or_default() += 1;
                };
                let mut first = true;
                while first || !done.load(Ordering::Acquire) {
                    if reader % 2 == 0 {
                        // Hold the engine across a yield: a swap meanwhile
                        // must not change what it answers.
                        let engine = live.current();
                        let before = answer(&engine);
                        std::thread::yield_now();
                        assert_eq!(
                            answer(&engine),
                            before,
                            "an engine changed under its holder"
                        );
                        record(engine.revision(), before);
                    } else {
                        let (revision, answer) = live
                            .with_current(|engine| (engine.revision().to_string(), answer(engine)));
                        record(&revision, answer);
                    }
                    decisions.fetch_add(1, Ordering::Release);
                    if first {
                        started.wait();
                        first = false;
                    }
                }
                seen
            })
        })
        .collect();

    started.wait();
    for i in 0..RELOADS {
        let (text, from, to) = if i % 2 == 0 {
            (SET_B, &revision_a, &revision_b)
        } else {
            (SET_A, &revision_b, &revision_a)
        };
        let reloaded = live.reload(&sources(text)).unwrap();
        assert!(reloaded.changed(), "reload {i}: {reloaded:?}");
        assert_eq!(&reloaded.previous, from, "reload {i}");
        assert_eq!(&reloaded.revision, to, "reload {i}");
        assert_eq!(live.current().revision(), to.as_str(), "reload {i}");
        // Let the readers decide a few times with each revision.
        let until = decisions.load(Ordering::Acquire) + READERS;
        while decisions.load(Ordering::Acquire) < until {
            std::thread::yield_now();
        }
    }
    done.store(true, Ordering::Release);

    let mut revisions_seen = HashSet::new();
    let mut total = 0;
    for reader in readers {
        for ((revision, answer), count) in reader.join().unwrap() {
            let want = expected
                .get(&revision)
                .unwrap_or_else(|| panic!("decided by an unknown revision {revision}"));
            assert_eq!(
                &answer, want,
                "{count} decision(s) by {revision} disagree with it"
            );
            revisions_seen.insert(revision);
            total += count;
        }
    }
    assert_eq!(
        revisions_seen.len(),
        2,
        "the readers saw only {revisions_seen:?} in {total} decisions"
    );
    assert!(total >= RELOADS * READERS, "only {total} decisions");
}

#[test]
fn an_engine_taken_before_a_reload_keeps_answering_for_its_revision() {
    let live = LiveEngine::new(compile(SET_A));
    let before = live.current();
    live.reload(&sources(SET_B)).unwrap();
    assert_eq!(answer(&before), (Outcome::Allow, named("a", "read")));
    assert_eq!(answer(&live.current()), (Outcome::Deny, named("b", "deny")));
    assert_ne!(before.revision(), live.current().revision());
}

#[test]
fn a_failed_reload_keeps_the_old_revision_serving_and_says_where() {
    let live = LiveEngine::new(compile(SET_A));
    let serving = live.current();
    let broken = "policy \"b\" {\n  allow \"read\" {\n    principal *\n    action    *\n    resource  app/**\n    when { mfa == maybe }\n  }\n}\n";
    let good = Source::new("good.policy", SET_B);
    let error = live
        .reload(&[good, Source::new("broken.policy", broken)])
        .unwrap_err();

    let first = &error.diagnostics()[0];
    assert_eq!(first.file(), "broken.policy");
    assert_eq!(first.location().line, 6);
    assert_eq!(first.location().column, 19);
    assert_eq!(error.compile_error().diagnostics(), error.diagnostics());
    assert_eq!(error.serving(), serving.revision());
    assert!(error.to_string().contains(serving.revision()), "{error}");

    // Nothing was swapped: the same engine answers as before.
    assert!(Arc::ptr_eq(&serving, &live.current()));
    assert_eq!(
        answer(&live.current()),
        (Outcome::Allow, named("a", "read"))
    );

    // The next good set goes in as usual.
    let reloaded = live.reload(&sources(SET_B)).unwrap();
    assert_eq!(reloaded.previous, serving.revision());
    assert_eq!(answer(&live.current()), (Outcome::Deny, named("b", "deny")));
}

#[test]
fn reloading_identical_sources_reports_unchanged_and_keeps_the_engine() {
    let live = LiveEngine::new(compile(SET_A));
    let serving = live.current();
    let reloaded = live.reload(&sources(SET_A)).unwrap();
    assert!(!reloaded.changed());
    assert_eq!(reloaded.previous, reloaded.revision);
    assert_eq!(reloaded.revision, serving.revision());
    assert_eq!((reloaded.previous_statements, reloaded.statements), (2, 2));
    assert!(Arc::ptr_eq(&serving, &live.current()));

    // The same text under another name (or another spelling of its path)
    // is the same revision: names change no decision.
    let renamed = live
        .reload(&[Source::new("./dir/../other.policy", SET_A)])
        .unwrap();
    assert!(!renamed.changed());
    assert!(Arc::ptr_eq(&serving, &live.current()));
}

#[test]
fn replace_swaps_in_a_precompiled_engine() {
    let live = LiveEngine::from(compile(SET_A));
    let b = compile(SET_B);
    let revision_b = b.revision().to_string();
    let replaced = live.replace(b);
    assert!(replaced.changed());
    assert_eq!((replaced.previous_statements, replaced.statements), (2, 3));
    assert_eq!(replaced.revision, revision_b);
    assert_eq!(live.current().revision(), revision_b);

    let serving = live.current();
    assert!(!live.replace(compile(SET_B)).changed());
    assert!(Arc::ptr_eq(&serving, &live.current()));
}

#[test]
fn concurrent_reloads_are_serialized() {
    const EACH: usize = 100;
    let (revision_a, revision_b) = (
        compile(SET_A).revision().to_string(),
        compile(SET_B).revision().to_string(),
    );
    let live = Arc::new(LiveEngine::new(compile(SET_A)));
    let start = Arc::new(Barrier::new(2));
    let reloaders: Vec<_> = [SET_A, SET_B]
        .into_iter()
        .map(|text| {
            let (live, start) = (live.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                (0..EACH)
                    .map(|_| live.reload(&sources(text)).unwrap())
                    .collect::<Vec<Reloaded>>()
            })
        })
        .collect();
    let reports: Vec<Vec<Reloaded>> = reloaders.into_iter().map(|t| t.join().unwrap()).collect();

    let (mut a_to_b, mut b_to_a) = (0, 0);
    for (reports, own) in reports.iter().zip([&revision_a, &revision_b]) {
        for report in reports {
            assert_eq!(&report.revision, own);
            assert!(report.previous == revision_a || report.previous == revision_b);
            match (report.changed(), report.previous == revision_a) {
                (false, _) => assert_eq!(&report.previous, own),
                (true, true) => a_to_b += 1,
                (true, false) => b_to_a += 1,
            }
        }
    }
    // Reports of serialized reloads form one history starting at A: each
    // change leaves from where the one before arrived.
    let now = live.current().revision().to_string();
    if now == revision_a {
        assert_eq!(a_to_b, b_to_a);
    } else {
        assert_eq!(now, revision_b);
        assert_eq!(a_to_b, b_to_a + 1);
    }
}
