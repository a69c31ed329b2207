//! One module per real backend, each implementing the ports it serves. Only `bootstrap` names them.

pub mod apigw;
pub mod clock;
pub mod connections;
pub mod dynamodb;
pub mod kafka;
pub mod ledger;
pub mod mysql;
pub mod notify;
pub mod redis;
pub mod sandbox;
pub mod secrets;
pub mod stripe;
