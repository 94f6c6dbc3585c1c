//! A plain reference interpreter (being written).
