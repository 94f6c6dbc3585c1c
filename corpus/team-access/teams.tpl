# Each team reads its own secrets in every environment, through one statement:
# the principal's team tag picks the folder. Break-glass access to production
# needs fresh MFA, a change ticket, and happens inside the incident window.
policy "teams" {
  allow "own-team-secrets" {
    principal *
    action    secrets:GetSecretValue, secrets:DescribeSecret
    resource  {dev,staging}/${principal.tags.team}/**
  }

  allow "own-team-prod-in-office-hours" {
    principal *
    action    secrets:GetSecretValue
    resource  prod/${principal.tags.team}/**
    when {
      weekday in [Mon, Tue, Wed, Thu, Fri] at +01:00
      time_of_day in 08:00 .. 19:00 at +01:00
    }
  }

  allow "break-glass" {
    principal group:sre
    action    secrets:GetSecretValue
    resource  prod/**
    when {
      mfa and mfa_age <= 5m
      context.ticket like "INC-*"
      time in 2026-11-01T00:00:00Z .. 2026-12-01T00:00:00Z
    }
  }

  deny "contractors-never-in-prod" {
    principal *
    action    *
    resource  prod/**
    when {
      principal.tags.employment == "contractor"
    }
  }
}
