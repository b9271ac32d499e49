//! e2e helpers (being written).
