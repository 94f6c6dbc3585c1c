fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let src = std::fs::read_to_string(&path).unwrap_or_default();
    match policy_lang::parse(&path, &src) {
        Ok(f) => println!("{}", serde_json::to_string(&f).unwrap_or_default().len()),
        Err(e) => for d in e.diagnostics() { println!("{}", d.render(&src)) },
    }
}
