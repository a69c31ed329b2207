//! The route table: method and path (as `template.yaml` declares them) to the function that
//! serves it and the very handler that function's `main` runs. A test keeps the three in step.

use ::http::Method;
use booking_core::http::{self, boxed, BoxHandler};

pub struct Route {
    /// The function's folder under `functions/` and its logical name in `template.yaml`.
    pub function: &'static str,
    pub method: Method,
    /// API Gateway path syntax, `{param}` for a parameter (axum's syntax too).
    pub path: &'static str,
    /// The handler's path under `booking_core::http`, as the function's `main.rs` names it.
    pub handler_path: &'static str,
    pub handler: BoxHandler,
    /// Whether the JWT authorizer guards the route (webhooks are signed instead; a queue's
    /// progress is public, for the edge to keep).
    pub authorized: bool,
}

macro_rules! route {
    ($function:literal, $method:ident, $path:literal, $module:ident :: $handler:ident) => {
        Route {
            function: $function,
            method: Method::$method,
            path: $path,
            handler_path: concat!("http::", stringify!($module), "::", stringify!($handler)),
            handler: boxed(http::$module::$handler),
            authorized: true,
        }
    };
}

/// Every HTTP route of the API.
pub fn routes() -> Vec<Route> {
    vec![
        route!("events-create", POST, "/api/v1/events", events::create),
        route!("events-list", GET, "/api/v1/events", events::list),
        route!("events-get", GET, "/api/v1/events/{eventId}", events::get),
        route!("events-update", PATCH, "/api/v1/events/{eventId}", events::update),
        route!("events-report", GET, "/api/v1/events/{eventId}/report", events::report),
        route!("events-cancel", POST, "/api/v1/events/{eventId}/cancel", events::cancel),
        route!("blocks-create", POST, "/api/v1/events/{eventId}/blocks", events::block),
        route!("blocks-delete", DELETE, "/api/v1/events/{eventId}/blocks", events::unblock),
        route!("codes-create", POST, "/api/v1/events/{eventId}/codes", codes::create),
        route!("codes-list", GET, "/api/v1/events/{eventId}/codes", codes::list),
        route!("codes-delete", DELETE, "/api/v1/events/{eventId}/codes/{code}", codes::delete),
        route!(
            "presale-register",
            POST,
            "/api/v1/events/{eventId}/presale/registrations",
            presale::register
        ),
        route!(
            "presale-me",
            GET,
            "/api/v1/events/{eventId}/presale/registrations/me",
            presale::mine
        ),
        route!("presale-draw", POST, "/api/v1/events/{eventId}/presale/draw", presale::draw),
        route!("seats-get", GET, "/api/v1/events/{eventId}/seats", events::seats),
        route!(
            "seats-history",
            GET,
            "/api/v1/events/{eventId}/seats/{seatId}/history",
            events::seat_history
        ),
        route!("waitlist-join", POST, "/api/v1/events/{eventId}/waitlist", waitlist::join),
        route!("waitlist-get", GET, "/api/v1/events/{eventId}/waitlist", waitlist::get),
        route!("waitlist-leave", DELETE, "/api/v1/events/{eventId}/waitlist", waitlist::leave),
        route!("queue-join", POST, "/api/v1/events/{eventId}/queue", queue::join),
        route!("queue-get", GET, "/api/v1/events/{eventId}/queue", queue::get),
        route!("queue-stats", GET, "/api/v1/events/{eventId}/queue/stats", queue::stats),
        Route {
            authorized: false,
            ..route!(
                "queue-progress",
                GET,
                "/api/v1/events/{eventId}/queue/progress",
                queue::progress
            )
        },
        route!("queue-remove", DELETE, "/api/v1/events/{eventId}/queue/{userId}", queue::remove),
        route!("holds-create", POST, "/api/v1/events/{eventId}/holds", holds::create),
        route!("holds-get", GET, "/api/v1/holds/{holdId}", holds::get),
        route!("holds-extend", PUT, "/api/v1/holds/{holdId}/extend", holds::extend),
        route!("holds-release", DELETE, "/api/v1/holds/{holdId}", holds::release),
        route!("bookings-create", POST, "/api/v1/bookings", bookings::create),
        route!("bookings-get", GET, "/api/v1/bookings/{id}", bookings::get),
        route!("bookings-confirm", PUT, "/api/v1/bookings/{id}/confirm", bookings::confirm),
        route!("bookings-cancel", PUT, "/api/v1/bookings/{id}/cancel", bookings::cancel),
        route!("bookings-list", GET, "/api/v1/bookings/users/{userId}", bookings::list),
        route!("bookings-history", GET, "/api/v1/bookings/{id}/history", bookings::history),
        route!("tickets-booking", GET, "/api/v1/bookings/{id}/tickets", tickets::for_booking),
        route!("tickets-user", GET, "/api/v1/users/{userId}/tickets", tickets::for_user),
        route!("tickets-qr", GET, "/api/v1/tickets/{ticketId}/qr.svg", tickets::qr),
        route!("tickets-transfer", POST, "/api/v1/tickets/{ticketId}/transfer", tickets::transfer),
        route!("checkin-key", GET, "/api/v1/events/{eventId}/checkin-key", tickets::checkin_key),
        route!("checkin-list", GET, "/api/v1/events/{eventId}/checkin-list", tickets::checkin_list),
        route!("checkins-create", POST, "/api/v1/checkins", tickets::checkin),
        route!("payments-create", POST, "/api/v1/payments", payments::create),
        route!("payments-config", GET, "/api/v1/payments/config", payments::config),
        route!("payments-get", GET, "/api/v1/payments/{id}", payments::get),
        Route {
            authorized: false,
            ..route!("payments-webhook", POST, "/api/v1/payments/webhook", payments::webhook)
        },
    ]
}
