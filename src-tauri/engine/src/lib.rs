//! The offline engine (being written).
