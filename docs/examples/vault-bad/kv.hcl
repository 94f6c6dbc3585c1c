path "secret/data/*" {
  capabilities = ["read", "lsit"]
  max_wrapping_ttl = "1h"
}
