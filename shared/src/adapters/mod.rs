//! One module per real backend, each implementing the ports it serves.

pub mod apigw;
pub mod connections;
pub mod dynamodb;
pub mod kafka;
pub mod ledger;
pub mod mysql;
pub mod mysql_bookings;
pub mod notify;
pub mod redis;
pub mod sandbox;
