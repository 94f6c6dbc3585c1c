# TestACL_SegmentWildcardPriority case 5 (hashicorp/vault vault/acl_test.go):
# read loses to the more specific update rule on the tested path.
path "foo/+/(ar/baz" { capabilities = ["read"] }
path "foo/(ar/+/baz" { capabilities = ["update"] }
