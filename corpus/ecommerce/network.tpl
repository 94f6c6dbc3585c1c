# Production secrets never leave the private network, whoever asks.
policy "network" {
  deny "prod-secrets-never-leave-the-network" {
    principal *
    action    *
    resource  prod/**
    unless {
      source_ip in [10.0.0.0/8, fd00::/8]
    }
  }

  deny "nobody-deletes-payment-secrets" {
    principal *
    action    secrets:DeleteSecret
    resource  prod/payment/**
  }
}
