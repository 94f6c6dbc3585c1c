# TestACL_SegmentWildcardPriority case 4 (hashicorp/vault vault/acl_test.go):
# read loses to the more specific update rule on the tested path.
path "foo/+/+/baz" { capabilities = ["read"] }
path "foo/+/bar/baz" { capabilities = ["update"] }
