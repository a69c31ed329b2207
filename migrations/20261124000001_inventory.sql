-- Events, their sections and their seats. Seats are versioned rows: every change to a seat bumps
-- `version` under an optimistic check, and the booking tables reference them.
CREATE TABLE events (
    id                  CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    name                VARCHAR(200) NOT NULL,
    venue               VARCHAR(200) NOT NULL,
    starts_at           DATETIME(3) NOT NULL,
    currency            CHAR(3) CHARACTER SET ascii NOT NULL,
    max_seats_per_order INT UNSIGNED NOT NULL,
    hold_ttl_seconds    INT UNSIGNED NOT NULL,
    seat_count          INT UNSIGNED NOT NULL,
    created_at          DATETIME(3) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE sections (
    event_id      CHAR(36) CHARACTER SET ascii NOT NULL,
    position      INT UNSIGNED NOT NULL,
    name          VARCHAR(20) CHARACTER SET ascii NOT NULL,
    rows_count    INT UNSIGNED NOT NULL,
    seats_per_row INT UNSIGNED NOT NULL,
    price_cents   BIGINT NOT NULL,
    category      VARCHAR(50) NOT NULL,
    PRIMARY KEY (event_id, position),
    UNIQUE KEY sections_name (event_id, name),
    CONSTRAINT sections_event FOREIGN KEY (event_id) REFERENCES events (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE seats (
    event_id    CHAR(36) CHARACTER SET ascii NOT NULL,
    seat_id     VARCHAR(40) CHARACTER SET ascii NOT NULL,
    section     VARCHAR(20) CHARACTER SET ascii NOT NULL,
    row_no      INT UNSIGNED NOT NULL,
    seat_no     INT UNSIGNED NOT NULL,
    price_cents BIGINT NOT NULL,
    status      ENUM('AVAILABLE', 'HELD', 'BOOKED') NOT NULL DEFAULT 'AVAILABLE',
    version     BIGINT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, seat_id),
    KEY seats_status (event_id, status),
    CONSTRAINT seats_event FOREIGN KEY (event_id) REFERENCES events (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
