//! The proxy-wasm contexts (wasm32 only): the root context compiles each
//! plugin configuration, the HTTP contexts decide requests with the filter
//! current when their headers arrive.

use crate::config::PluginConfig;
use crate::filter::{self, Filter, Verdict};
use crate::refusal::Refusal;
use crate::{header_map, host};
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType};
use std::cell::RefCell;
use std::rc::Rc;

/// Log levels of the ABI.
const INFO: u32 = 2;
const WARN: u32 = 3;
const ERROR: u32 = 4;

/// The current filter, shared by the root context and the HTTP contexts
/// (a VM runs one thread: `Rc` is enough).
type Slot = Rc<RefCell<Option<Rc<Filter>>>>;

proxy_wasm::main! {{
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
        Box::new(Root { slot: Rc::new(RefCell::new(None)) })
    });
}}

struct Root {
    slot: Slot,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_vm_start(&mut self, _vm_configuration_size: usize) -> bool {
        true
    }

    /// Compiles the configuration; on any error logs why and returns
    /// false, keeping the filter that was current (none at first: every
    /// request is then denied as `not_configured`).
    fn on_configure(&mut self, plugin_configuration_size: usize) -> bool {
        match configure(plugin_configuration_size) {
            Ok(filter) => {
                let _ = host::log(
                    INFO,
                    &format!(
                        "tessera: configured, {} statements",
                        filter.engine().statement_count()
                    ),
                );
                *self.slot.borrow_mut() = Some(Rc::new(filter));
                true
            }
            Err(message) => {
                let kept = if self.slot.borrow().is_some() {
                    "the previous configuration stays in force"
                } else {
                    "no configuration is in force: every request is denied"
                };
                let _ = host::log(
                    ERROR,
                    &format!("tessera: configuration refused ({kept}): {message}"),
                );
                false
            }
        }
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Http {
            slot: Rc::clone(&self.slot),
        }))
    }
}

/// Reads and compiles the plugin configuration.
fn configure(size: usize) -> Result<Filter, String> {
    let bytes = host::plugin_configuration(size)
        .map_err(|status| format!("the host did not give the configuration (status {status})"))?;
    let config = PluginConfig::parse(&bytes)?;
    let level = config.audit.log_level.abi();
    let queue = match &config.audit.queue {
        Some(name) => Some(host::register_shared_queue(name).map_err(|status| {
            format!("the audit queue could not be registered (status {status})")
        })?),
        None => None,
    };
    Filter::new(config, move |line: &str| {
        if let Some(level) = level {
            host::log(level, line).map_err(|status| format!("proxy_log: status {status}"))?;
        }
        if let Some(queue) = queue {
            host::enqueue_shared_queue(queue, line.as_bytes())
                .map_err(|status| format!("proxy_enqueue_shared_queue: status {status}"))?;
        }
        Ok(())
    })
}

struct Http {
    slot: Slot,
}

impl Context for Http {}

impl HttpContext for Http {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let current = self.slot.borrow().clone();
        let verdict = match current {
            None => filter::unconfigured(),
            Some(filter) => decide(&filter),
        };
        match verdict {
            Verdict::Allow { decision, header } => {
                if let Some(name) = header
                    && let Err(status) = host::replace_request_header(&name, &decision)
                {
                    let _ = host::log(
                        WARN,
                        &format!("tessera: the decision header was not set (status {status})"),
                    );
                }
                Action::Continue
            }
            Verdict::Deny {
                status,
                body,
                headers,
                log,
            } => {
                let _ = host::log(WARN, &format!("tessera: denied: {log}"));
                let mut pairs = headers;
                pairs.push(("content-type".into(), "application/json".into()));
                let map = header_map::serialize(&pairs);
                if let Err(code) =
                    host::send_local_response(status, "tessera_denied", body.as_bytes(), &map)
                {
                    let _ = host::log(
                        ERROR,
                        &format!(
                            "tessera: the deny response was not sent (status {code}); the request stays paused"
                        ),
                    );
                }
                // Never continue a denied request, even when the local
                // reply failed.
                Action::Pause
            }
        }
    }
}

/// Reads the request from the host and decides it.
fn decide(filter: &Filter) -> Verdict {
    let now = match host::now_nanos() {
        Ok(nanos) => {
            chrono::DateTime::from_timestamp_nanos(i64::try_from(nanos).unwrap_or(i64::MAX))
        }
        Err(status) => {
            return filter.refuse(&Refusal::new(
                "host_error",
                format!("the host's clock failed (status {status})"),
            ));
        }
    };
    let raw = match host::request_headers() {
        Ok(raw) => raw,
        Err(status) => {
            return filter.refuse(&Refusal::new(
                "host_error",
                format!("the request headers could not be read (status {status})"),
            ));
        }
    };
    let Some(headers) = header_map::parse(&raw) else {
        return filter.refuse(&Refusal::new(
            "host_error",
            "the host's request header map is malformed",
        ));
    };
    let address = if filter.config().request.source_ip {
        match host::property(&["source", "address"]) {
            Ok(address) => address,
            Err(status) => {
                return filter.refuse(&Refusal::new(
                    "host_error",
                    format!("the source.address property could not be read (status {status})"),
                ));
            }
        }
    } else {
        None
    };
    filter.decide(&headers, address.as_deref(), now)
}
