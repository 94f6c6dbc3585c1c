# E-commerce: the payments service reads its provider keys in production,
# only from inside the network, and only the current or previous version.
policy "payments" {
  allow "read-current-payment-secrets" {
    principal service:payments-*, group:payments-oncall
    action    secrets:GetSecretValue, secrets:DescribeSecret
    resource  prod/payment/**
    when {
      version_stage in ["AWSCURRENT", "AWSPREVIOUS"]
      source_ip in [10.0.0.0/8, fd00::/8]
    }
  }

  allow "oncall-describe-anything-in-prod" {
    principal group:payments-oncall
    action    secrets:DescribeSecret, secrets:ListSecretVersionIds
    resource  prod/**
    when {
      mfa and mfa_age <= 15m
    }
  }
}
