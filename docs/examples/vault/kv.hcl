# The application reads and lists its secrets, never the admin ones,
# except the rotation credentials.
path "secret/data/*" {
  capabilities = ["read", "list"]
}

path "secret/data/admin/*" {
  capabilities = ["deny"]
}

path "secret/data/admin/rotation" {
  capabilities = ["read"]
}

path "secret/data/+/config" {
  capabilities = ["read", "update"]
}
