# CI creates child tokens with the application policies only, and asks
# for a wrapped response.
path "auth/token/create" {
  capabilities = ["create", "update"]
  allowed_parameters = {
    "policies" = ["default", "app-*"]
    "*"        = []
  }
  denied_parameters = {
    "no_parent" = []
  }
  max_wrapping_ttl = "5m"
}
