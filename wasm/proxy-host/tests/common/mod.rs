//! Building the filter (`wasm/build.sh --proxy-only`) into this test run's
//! target directory, hosting it, and turning corpus requests into HTTP
//! requests.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use tessera_proxy_host::{Compiled, ProxyHost};

/// True when the standard library for wasm32-wasip1 is installed.
fn wasip1_installed() -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(output) = Command::new(rustc).args(["--print", "sysroot"]).output() else {
        return false;
    };
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    sysroot.join("lib/rustlib/wasm32-wasip1/lib").is_dir()
}

/// The filter's path, built once per test binary by `wasm/build.sh
/// --proxy-only` into `target/proxy-host-test` (the module as it ships),
/// or `None` (the test is recorded as skipped) without the wasm32-wasip1
/// target.
pub fn module_path() -> Option<PathBuf> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    let path = BUILT.get_or_init(|| {
        if !wasip1_installed() {
            return None;
        }
        let exe = std::env::current_exe().expect("the test executable's path");
        let target = exe
            .ancestors()
            .nth(3)
            .expect("the test executable lives in target/PROFILE/deps")
            .to_path_buf();
        let out = target.join("proxy-host-test");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../build.sh");
        let output = Command::new("bash")
            .arg(script)
            .arg("--proxy-only")
            .arg(&out)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run wasm/build.sh");
        assert!(
            output.status.success(),
            "wasm/build.sh --proxy-only failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let path = out.join("tessera_proxy.wasm");
        assert!(path.is_file(), "{} should exist", path.display());
        Some(path)
    });
    if path.is_none() {
        crate::skip::skip(
            "the wasm32-wasip1 target is not installed (rustup target add wasm32-wasip1)",
        );
    }
    path.clone()
}

/// The compiled filter, or `None` when it cannot be built.
pub fn compiled() -> Option<Compiled> {
    static COMPILED: OnceLock<Option<Compiled>> = OnceLock::new();
    COMPILED
        .get_or_init(|| {
            module_path().map(|p| {
                Compiled::new(&std::fs::read(p).expect("read the filter")).expect("it compiles")
            })
        })
        .clone()
}

/// A started VM (not configured yet).
pub fn host() -> Option<ProxyHost> {
    compiled().map(|c| ProxyHost::new(&c).expect("the filter instantiates"))
}

/// The path prefix the test configurations use.
pub const PREFIX: &str = "/v1/secrets";

/// A small policy: reads of app/** allowed for everyone.
pub const POLICY: &str =
    r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#;

/// A configuration for `policies` (`(name, text)`), schema files, reading
/// the action from `x-tessera-action` when `action_header`, the custom
/// attributes the corpus uses, the decision in `x-tessera-decision`, audit
/// records in the log and in the queue `tessera-audit`.
pub fn config(policies: &[(&str, &str)], schema: &[(&str, &str)], action_header: bool) -> Vec<u8> {
    let named = |files: &[(&str, &str)]| -> Vec<Value> {
        files
            .iter()
            .map(|(n, t)| json!({"name": n, "text": t}))
            .collect()
    };
    json!({
        "policies": named(policies),
        "schema": named(schema),
        "request": {
            "path_prefix": PREFIX,
            "action_header": if action_header { json!("x-tessera-action") } else { Value::Null },
            "resource_tags_header": "x-tessera-resource-tags",
            "attributes": [
                {"name": "ticket", "header": "x-ctx-ticket"},
                {"name": "pipeline", "header": "x-ctx-pipeline"},
                {"name": "break_glass", "header": "x-ctx-break-glass", "type": "bool"}
            ]
        },
        "decision_header": "x-tessera-decision",
        "audit": {"log_level": "info", "queue": "tessera-audit"}
    })
    .to_string()
    .into_bytes()
}

/// Percent-encodes every byte but unreserved ones and `keep`.
pub fn encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::new();
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An HTTP request for a corpus request (JSON): its headers, its
/// `source.address` and its time (Unix nanoseconds). `variant` picks
/// between equivalent spellings (version stage in the query or a header,
/// IPv6 with a port or not...).
pub struct HttpRequest {
    pub headers: Vec<(String, Vec<u8>)>,
    pub source_address: Option<String>,
    pub time_nanos: Option<u64>,
}

impl HttpRequest {
    pub fn pairs(&self) -> Vec<(&[u8], &[u8])> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_slice()))
            .collect()
    }
}

pub fn http_request(request: &Value, variant: usize) -> HttpRequest {
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |n: &str, v: String| headers.push((n.to_owned(), v.into_bytes()));
    add(":method", "GET".into());
    add(":authority", "secrets.internal".into());
    add(":scheme", "https".into());
    let principal = &request["principal"];
    match principal {
        Value::String(id) => add("x-tessera-principal", id.clone()),
        _ => {
            add(
                "x-tessera-principal",
                principal["id"].as_str().unwrap().to_owned(),
            );
            if let Some(groups) = principal["groups"].as_array() {
                let groups: Vec<String> = groups
                    .iter()
                    .map(|g| encode(g.as_str().unwrap(), b":*/"))
                    .collect();
                // Split over two headers on odd variants: repeats add up.
                if variant % 2 == 1 && groups.len() > 1 {
                    add("x-tessera-groups", groups[..1].join(","));
                    add("x-tessera-groups", groups[1..].join(", "));
                } else {
                    add("x-tessera-groups", groups.join(","));
                }
            }
            if let Some(tags) = principal["tags"].as_object() {
                add("x-tessera-principal-tags", tags_header(tags));
            }
        }
    }
    add(
        "x-tessera-action",
        request["action"].as_str().unwrap().to_owned(),
    );
    let resource = &request["resource"];
    let path = resource
        .as_str()
        .or_else(|| resource["path"].as_str())
        .unwrap();
    if let Some(tags) = resource["tags"].as_object() {
        add("x-tessera-resource-tags", tags_header(tags));
    }
    let mut query = format!("?x=1&other={}", encode("a b", b""));
    let context = request["context"].as_object().cloned().unwrap_or_default();
    let mut source_address = None;
    let mut time_nanos = None;
    for (key, value) in &context {
        match key.as_str() {
            "time" => {
                let time: chrono::DateTime<chrono::Utc> = value.as_str().unwrap().parse().unwrap();
                time_nanos = Some(u64::try_from(time.timestamp_nanos_opt().unwrap()).unwrap());
            }
            "source_ip" => {
                let ip: std::net::IpAddr = value.as_str().unwrap().parse().unwrap();
                source_address = Some(match ip {
                    std::net::IpAddr::V4(v4) => format!("{v4}:{}", 40_000 + variant % 1000),
                    std::net::IpAddr::V6(v6) => format!("[{v6}]:443"),
                });
            }
            "version_stage" => {
                let stage = value.as_str().unwrap();
                if variant.is_multiple_of(2) {
                    query.push_str(&format!("&versionStage={}", encode(stage, b"")));
                } else {
                    add("x-tessera-version-stage", stage.to_owned());
                }
            }
            "mfa" => add("x-tessera-mfa", value.to_string()),
            "mfa_age_seconds" => add("x-tessera-mfa-age", value.to_string()),
            "ticket" | "pipeline" => {
                add(&format!("x-ctx-{key}"), value.as_str().unwrap().to_owned())
            }
            "break_glass" => add("x-ctx-break-glass", value.to_string()),
            other => panic!("the corpus uses context.{other}: map it in common::http_request"),
        }
    }
    add(
        ":path",
        format!("{PREFIX}/{}{query}", encode(path, b"/:*@")),
    );
    HttpRequest {
        headers,
        source_address,
        time_nanos,
    }
}

fn tags_header(tags: &serde_json::Map<String, Value>) -> String {
    tags.iter()
        .map(|(k, v)| format!("{}={}", encode(k, b""), encode(v.as_str().unwrap(), b"")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Sends `request` through `host` with its address and time set.
pub fn send(host: &mut ProxyHost, request: &HttpRequest) -> tessera_proxy_host::Reply {
    host.set_property(
        b"source\0address",
        request.source_address.as_deref().map(str::as_bytes),
    );
    if let Some(t) = request.time_nanos {
        host.set_time_nanos(t);
    }
    host.request(&request.pairs()).expect("no trap")
}

/// The filter's answer: the decision header on allow, the body on a local
/// reply (which must be a 403).
pub fn answer(reply: &tessera_proxy_host::Reply) -> String {
    match &reply.local {
        Some(local) => {
            assert_eq!(
                local.status,
                403,
                "{}",
                String::from_utf8_lossy(&local.body)
            );
            assert_eq!(reply.action, 1, "a denied request is paused");
            String::from_utf8(local.body.clone()).unwrap()
        }
        None => {
            assert!(reply.continued());
            String::from_utf8(
                reply
                    .header("x-tessera-decision")
                    .expect("the decision header")
                    .to_vec(),
            )
            .unwrap()
        }
    }
}

/// One corpus set: policy files, schema files, the test file.
pub struct CorpusSet {
    pub name: String,
    pub policies: Vec<(String, String)>,
    pub schema: Vec<(String, String)>,
    pub tests: policy_cli::suite::TestFile,
}

impl CorpusSet {
    pub fn config(&self, action_header: bool) -> Vec<u8> {
        let pairs = |files: &[(String, String)]| -> Vec<(String, String)> { files.to_vec() };
        let p = pairs(&self.policies);
        let s = pairs(&self.schema);
        let p: Vec<(&str, &str)> = p.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let s: Vec<(&str, &str)> = s.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        config(&p, &s, action_header)
    }

    /// The set compiled natively, as the filter compiles it.
    pub fn engine(&self) -> tessera::Engine {
        let document = tessera::json::LoadDocument {
            sources: self
                .policies
                .iter()
                .map(|(n, t)| tessera::json::SourceDocument {
                    name: n.clone(),
                    text: t.clone(),
                })
                .collect(),
            schema: self
                .schema
                .iter()
                .map(|(n, t)| tessera::json::SourceDocument {
                    name: n.clone(),
                    text: t.clone(),
                })
                .collect(),
            limits: tessera::Limits::default(),
        };
        document
            .compile()
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }
}

/// Every corpus set (`corpus/invalid` excepted), in name order.
pub fn corpus_sets() -> Vec<CorpusSet> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("read corpus/")
        .map(|e| e.expect("a corpus entry").path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "invalid"))
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let files = |ext: &str| {
                let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == ext))
                    .collect();
                files.sort();
                files
                    .iter()
                    .map(|f| {
                        let file = f.file_name().unwrap().to_string_lossy().into_owned();
                        (
                            format!("{name}/{file}"),
                            std::fs::read_to_string(f).unwrap(),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            let tests = policy_cli::suite::load(&dir.join(format!("{name}.tests.toml")))
                .unwrap_or_else(|e| panic!("{}", e.render()));
            CorpusSet {
                policies: files("policy"),
                schema: files("schema"),
                tests,
                name,
            }
        })
        .collect()
}
