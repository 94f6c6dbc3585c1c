# TestACL_SegmentWildcardPriority case 7 (hashicorp/vault vault/acl_test.go):
# read loses to the more specific update rule on the tested path.
path "foo/bar/+/b*" { capabilities = ["read"] }
path "foo/bar/+/ba*" { capabilities = ["update"] }
