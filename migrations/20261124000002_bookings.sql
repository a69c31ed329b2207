-- Bookings, the seats they take, payments, processed provider webhooks, and the outbox.
CREATE TABLE bookings (
    id          CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    user_id     VARCHAR(128) NOT NULL,
    event_id    CHAR(36) CHARACTER SET ascii NOT NULL,
    status      ENUM('PENDING', 'CONFIRMED', 'CANCELLED', 'EXPIRED') NOT NULL,
    total_cents BIGINT NOT NULL,
    currency    CHAR(3) CHARACTER SET ascii NOT NULL,
    expires_at  DATETIME(3) NOT NULL,
    created_at  DATETIME(3) NOT NULL,
    updated_at  DATETIME(3) NOT NULL,
    version     BIGINT UNSIGNED NOT NULL DEFAULT 0,
    KEY bookings_user (user_id, id),
    KEY bookings_deadline (status, expires_at),
    CONSTRAINT bookings_event FOREIGN KEY (event_id) REFERENCES events (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- The final guard: `live` is 1 while the booking is PENDING or CONFIRMED and NULL afterwards, and a
-- unique key over (event, seat, live) lets a seat be in at most one live booking, whatever Redis did.
CREATE TABLE booking_seats (
    booking_id CHAR(36) CHARACTER SET ascii NOT NULL,
    event_id   CHAR(36) CHARACTER SET ascii NOT NULL,
    seat_id    VARCHAR(40) CHARACTER SET ascii NOT NULL,
    live       TINYINT NULL,
    PRIMARY KEY (booking_id, seat_id),
    UNIQUE KEY one_live_booking_per_seat (event_id, seat_id, live),
    CONSTRAINT booking_seats_booking FOREIGN KEY (booking_id) REFERENCES bookings (id),
    CONSTRAINT booking_seats_seat FOREIGN KEY (event_id, seat_id) REFERENCES seats (event_id, seat_id),
    CONSTRAINT booking_seats_live CHECK (live = 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE payments (
    id             CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    booking_id     CHAR(36) CHARACTER SET ascii NOT NULL,
    user_id        VARCHAR(128) NOT NULL,
    amount_cents   BIGINT NOT NULL,
    currency       CHAR(3) CHARACTER SET ascii NOT NULL,
    status         ENUM('PROCESSING', 'SUCCEEDED', 'FAILED', 'REFUNDED') NOT NULL,
    failure_reason VARCHAR(200) NULL,
    payment_method VARCHAR(100) NOT NULL,
    created_at     DATETIME(3) NOT NULL,
    updated_at     DATETIME(3) NOT NULL,
    version        BIGINT UNSIGNED NOT NULL DEFAULT 0,
    KEY payments_booking (booking_id),
    CONSTRAINT payments_booking FOREIGN KEY (booking_id) REFERENCES bookings (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Provider webhook events already applied: each takes effect once.
CREATE TABLE processed_webhooks (
    id         VARCHAR(255) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    type       VARCHAR(64) NOT NULL,
    applied_at DATETIME(3) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Transactional outbox: written in the same transaction as the change it announces, relayed to
-- Kafka afterwards and marked sent.
CREATE TABLE outbox (
    seq        BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    id         CHAR(36) CHARACTER SET ascii NOT NULL,
    topic      VARCHAR(100) NOT NULL,
    msg_key    VARCHAR(100) NOT NULL,
    payload    MEDIUMTEXT NOT NULL,
    created_at DATETIME(3) NOT NULL,
    sent_at    DATETIME(3) NULL,
    UNIQUE KEY outbox_id (id),
    KEY outbox_unsent (sent_at, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
