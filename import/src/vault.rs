//! Vault ACL policies (HCL).
