-- Tickets: one per seat of a CONFIRMED booking, written in the transaction that confirms it. A
-- ticket's code is not stored: it is the ticket id, event id and seat id signed with the event's
-- Ed25519 key, and Ed25519 signatures are deterministic, so it is the same every time it is made.
-- `live` is 1 while the ticket is VALID or CHECKED_IN and NULL once REVOKED: a seat has at most one
-- live ticket (a transfer revokes the old one and issues a new one in one transaction).
CREATE TABLE tickets (
    id             CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    booking_id     CHAR(36) CHARACTER SET ascii NOT NULL,
    event_id       CHAR(36) CHARACTER SET ascii NOT NULL,
    seat_id        VARCHAR(40) CHARACTER SET ascii NOT NULL,
    holder_user_id VARCHAR(128) NOT NULL,
    status         ENUM('VALID', 'CHECKED_IN', 'REVOKED') NOT NULL,
    live           TINYINT NULL,
    checked_in_at  DATETIME(3) NULL,
    checkin_gate   VARCHAR(64) NULL,
    revoked_at     DATETIME(3) NULL,
    created_at     DATETIME(3) NOT NULL,
    updated_at     DATETIME(3) NOT NULL,
    version        BIGINT UNSIGNED NOT NULL DEFAULT 0,
    UNIQUE KEY one_live_ticket_per_seat (event_id, seat_id, live),
    KEY tickets_booking (booking_id),
    KEY tickets_holder (holder_user_id, event_id, id),
    KEY tickets_changes (event_id, updated_at),
    CONSTRAINT tickets_booking FOREIGN KEY (booking_id) REFERENCES bookings (id),
    CONSTRAINT tickets_live CHECK (live = 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Every scan at the door, whatever it answered: who scanned, at which gate, when (the scanner's
-- own time and the server's), which way, and the answer it got. A retry with the same nonce gets
-- the first answer (`answer`, the response body) back.
CREATE TABLE checkins (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id    CHAR(36) CHARACTER SET ascii NOT NULL,
    ticket_id   CHAR(36) CHARACTER SET ascii NULL,
    staff_id    VARCHAR(128) NOT NULL,
    gate        VARCHAR(64) NOT NULL,
    direction   ENUM('in', 'out') NOT NULL,
    nonce       VARCHAR(64) CHARACTER SET ascii NULL,
    result      VARCHAR(32) CHARACTER SET ascii NOT NULL,
    status      SMALLINT UNSIGNED NOT NULL,
    answer      TEXT NOT NULL,
    scanned_at  DATETIME(3) NOT NULL,
    received_at DATETIME(3) NOT NULL,
    UNIQUE KEY checkins_nonce (staff_id, nonce),
    KEY checkins_ticket (ticket_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
