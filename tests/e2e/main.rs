//! End-to-end tests: a client that knows only API.md, over HTTP through the local gateway, against
//! the real MySQL, Redis, Kafka and DynamoDB emulator that `localstack/stack.sh` starts.

mod bad_input;
mod bookings;
mod browser;
mod codes;
mod contract;
mod drift;
mod events;
mod holds;
mod live;
mod organiser;
mod payments;
mod pool;
mod prices;
mod queue;
mod races;
mod report;
mod reserved;
mod sale_rules;
mod sales;
mod secrets;
mod security;
mod stripe;
mod tickets;
mod tiers;
mod tls;
mod waitlist;
