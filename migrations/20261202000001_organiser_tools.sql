-- Organiser tools (API v1.1): cancelling an event, blocked seats, partial cancels with partial
-- refunds, refunds sent to the provider from a table written in the transaction that decides them,
-- and the history of every booking and seat.

-- A cancelled event stops selling at `cancelled_at`; the cancel job sets `cancel_completed_at` once
-- every live booking is cancelled and every refund it owes is sent.
ALTER TABLE events
    ADD COLUMN cancelled_at        DATETIME(3) NULL,
    ADD COLUMN cancelled_by        VARCHAR(128) NULL,
    ADD COLUMN cancel_completed_at DATETIME(3) NULL,
    ADD KEY events_cancelling (cancel_completed_at, cancelled_at);

-- The cancel job and its preview find an event's live bookings by status.
ALTER TABLE bookings
    ADD KEY bookings_event_status (event_id, status);

-- Blocked seats (kills for cameras, the sound desk, house seats) are off sale until put back.
ALTER TABLE seats
    MODIFY status ENUM('AVAILABLE', 'HELD', 'BOOKED', 'BLOCKED') NOT NULL DEFAULT 'AVAILABLE',
    ADD COLUMN block_reason VARCHAR(200) NULL;

-- Seats a partial cancel took out of a live booking: no longer its seats (`live` NULL as well).
ALTER TABLE booking_seats
    ADD COLUMN released_at DATETIME(3) NULL;

-- What has been refunded of a payment so far; it becomes REFUNDED when that reaches its amount.
ALTER TABLE payments
    ADD COLUMN refunded_cents BIGINT NOT NULL DEFAULT 0;
UPDATE payments SET refunded_cents = amount_cents WHERE status = 'REFUNDED';

-- Money to give back, written in the transaction that decides it (a cancel, a partial cancel, a
-- payment that came too late) and sent to the provider afterwards with the row's id as its
-- idempotency key, by the request that made it and else by the sweep: a crash between the commit
-- and the provider's answer sends it again, and the provider applies one refund per key.
CREATE TABLE refunds (
    id           CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    payment_id   CHAR(36) CHARACTER SET ascii NOT NULL,
    booking_id   CHAR(36) CHARACTER SET ascii NOT NULL,
    event_id     CHAR(36) CHARACTER SET ascii NOT NULL,
    amount_cents BIGINT NOT NULL,
    currency     CHAR(3) CHARACTER SET ascii NOT NULL,
    reason       VARCHAR(64) NOT NULL,
    created_at   DATETIME(3) NOT NULL,
    sent_at      DATETIME(3) NULL,
    attempts     INT UNSIGNED NOT NULL DEFAULT 0,
    KEY refunds_unsent (sent_at, created_at),
    KEY refunds_payment (payment_id),
    KEY refunds_event (event_id, sent_at),
    CONSTRAINT refunds_payment FOREIGN KEY (payment_id) REFERENCES payments (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- The local payment sandbox's own book: what the "provider" refunded, one row per idempotency key,
-- with how many times it was asked. Only the sandbox writes it; a real provider keeps its own.
CREATE TABLE sandbox_refunds (
    idempotency_key CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    payment_id      CHAR(36) CHARACTER SET ascii NOT NULL,
    amount_cents    BIGINT NOT NULL,
    requests        INT UNSIGNED NOT NULL DEFAULT 1,
    created_at      DATETIME(3) NOT NULL,
    KEY sandbox_refunds_payment (payment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- History: every change to a booking or a seat, written in the transaction that makes it (with the
-- outbox message announcing it, whose id it shares) and never updated or deleted by the application.
-- `history_seats` indexes each change under every seat it touched.
CREATE TABLE history (
    id         CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    event_id   CHAR(36) CHARACTER SET ascii NOT NULL,
    booking_id CHAR(36) CHARACTER SET ascii NULL,
    at         DATETIME(3) NOT NULL,
    type       VARCHAR(40) CHARACTER SET ascii NOT NULL,
    actor      VARCHAR(128) NOT NULL,
    data       TEXT NOT NULL,
    KEY history_booking (booking_id, at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE history_seats (
    event_id   CHAR(36) CHARACTER SET ascii NOT NULL,
    seat_id    VARCHAR(40) CHARACTER SET ascii NOT NULL,
    at         DATETIME(3) NOT NULL,
    history_id CHAR(36) CHARACTER SET ascii NOT NULL,
    PRIMARY KEY (event_id, seat_id, at, history_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
