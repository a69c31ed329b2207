//! One module per real backend, each implementing the ports it serves.

pub mod dynamodb;
pub mod kafka;
pub mod mysql;
pub mod mysql_bookings;
pub mod redis;
pub mod sandbox;
