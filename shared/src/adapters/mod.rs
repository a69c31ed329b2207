//! One module per real backend, each implementing the ports it serves.

pub mod mysql;
pub mod redis;
