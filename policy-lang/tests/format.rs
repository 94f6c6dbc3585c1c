#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn scratch_dump() {
    let Ok(path) = std::env::var("FMT_FILE") else { return };
    let src = std::fs::read_to_string(&path).unwrap();
    match policy_lang::parse(&path, &src) {
        Ok(f) => {
            let out = policy_lang::format(&f);
            println!("-----\n{out}-----");
            let again = policy_lang::parse("again", &out).unwrap();
            println!("same_shape: {}", f.same_shape(&again));
            println!("idempotent: {}", policy_lang::format(&again) == out);
            if std::env::var("FMT_JSON").is_ok() { println!("{}", serde_json::to_string_pretty(&f).unwrap()); }
        }
        Err(e) => {
            for d in e.diagnostics() {
                println!("{}", d.render(&src))
            }
        }
    }
}

#[test]
fn scratch_diff() {
    let Ok(path) = std::env::var("FMT_FILE") else { return };
    let src = std::fs::read_to_string(&path).unwrap();
    let f = policy_lang::parse(&path, &src).unwrap();
    let out = policy_lang::format(&f);
    let again = policy_lang::parse("again", &out).unwrap();
    std::fs::write("/tmp/fmt/a.json", serde_json::to_string_pretty(&f).unwrap()).unwrap();
    std::fs::write("/tmp/fmt/b.json", serde_json::to_string_pretty(&again).unwrap()).unwrap();
    std::fs::write("/tmp/fmt/out.tpl", &out).unwrap();
}
