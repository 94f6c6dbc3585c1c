path "secret/data/*" {
  capabilities = ["read", "lsit"]
  subscribe_event_types = ["kv*"]
}
