//! Policy test files (`*.tests.toml`): the model, loading and running (being written).
