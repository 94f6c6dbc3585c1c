# A rotation function writes the pending version of the secrets it rotates,
# reads only the current one, and never touches another environment.
policy "rotation" {
  allow "rotator-writes-pending" {
    principal service:rotation-lambda
    action    secrets:PutSecretValue, secrets:UpdateSecretVersionStage
    resource  prod/database/*/credentials
    when {
      version_stage == "AWSPENDING"
    }
  }

  allow "rotator-reads-current" {
    principal service:rotation-lambda
    action    secrets:GetSecretValue, secrets:DescribeSecret
    resource  prod/database/*/credentials
    when {
      version_stage == "AWSCURRENT"
    }
  }

  deny "rotator-stays-in-its-lane" {
    principal service:rotation-lambda
    action    *
    not resource prod/database/*/credentials
  }
}
