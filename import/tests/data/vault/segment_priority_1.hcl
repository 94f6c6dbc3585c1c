# TestACL_SegmentWildcardPriority case 1 (hashicorp/vault vault/acl_test.go):
# read loses to the more specific update rule on the tested path.
path "+/*" { capabilities = ["read"] }
path "*" { capabilities = ["update"] }
