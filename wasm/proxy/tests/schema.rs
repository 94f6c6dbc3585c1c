//! `config.schema.json` accepts the example configurations (which the
//! filter reads and compiles too) and refuses what the filter refuses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use tessera_proxy::config::PluginConfig;
use tessera_proxy::filter::Filter;

fn validator() -> jsonschema::Validator {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.schema.json")).unwrap())
            .unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

#[test]
fn the_example_configurations_validate_and_compile() {
    let validator = validator();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut checked = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "json"))
    {
        let text = std::fs::read_to_string(file).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
        let config = PluginConfig::parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Err(e) = Filter::new(config, |_| Ok(())) {
            panic!("{}: {e}", file.display());
        }
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} examples");
}

#[test]
fn the_schema_refuses_what_the_filter_refuses() {
    let validator = validator();
    for bad in [
        r#"{}"#,
        r#"{"policies": []}"#,
        r#"{"policies": ["p"], "polices": []}"#,
        r#"{"policies": ["p"], "deny": {"status": 200}}"#,
        r#"{"policies": ["p"], "request": {"attributes": [{"name": "time", "header": "x-time"}]}}"#,
        r#"{"policies": ["p"], "request": {"principal_header": "bad header"}}"#,
        r#"{"policies": ["p"], "request": {"path_prefix": "v1"}}"#,
        r#"{"policies": ["p"], "audit": {"log_level": "off"}}"#,
        r#"{"policies": ["p"], "audit": {"log_level": "loud"}}"#,
    ] {
        let value: serde_json::Value = serde_json::from_str(bad).unwrap();
        assert!(!validator.is_valid(&value), "the schema accepts {bad}");
        assert!(
            PluginConfig::parse(bad.as_bytes()).is_err(),
            "the filter accepts {bad}"
        );
    }
    let good = r#"{"policies": ["p"], "audit": {"log_level": "off", "queue": "q"}}"#;
    assert!(validator.is_valid(&serde_json::from_str(good).unwrap()));
    assert!(PluginConfig::parse(good.as_bytes()).is_ok());
}
