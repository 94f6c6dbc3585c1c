# TestACL_SegmentWildcardPriority case 3 (hashicorp/vault vault/acl_test.go):
# read loses to the more specific update rule on the tested path.
path "foo/+/+/*" { capabilities = ["read"] }
path "foo/+/bar/baz" { capabilities = ["update"] }
