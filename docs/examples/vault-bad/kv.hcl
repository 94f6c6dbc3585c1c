path "secret/data/*" {
  capabilities = ["read", "lsit"]
  allowed_parameters = {
    "ttl" = ["1h"]
  }
}
