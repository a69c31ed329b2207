-- Discount and access codes (docs: API.md "Prices: fees, taxes and codes"). A code is the event's,
-- never changes once made (a delete stamps deleted_at: the holds and bookings that took it keep
-- it), and counts its uses: `used` is the number of its PENDING and CONFIRMED bookings, moved in
-- the transaction that books, expires or cancels one, guarded by `used < max_uses`; `code_uses`
-- is each use's history (taken, and given back when its booking left unpaid).
CREATE TABLE event_codes (
    event_id            CHAR(36) CHARACTER SET ascii NOT NULL,
    code                VARCHAR(32) CHARACTER SET ascii NOT NULL,
    kind                ENUM('DISCOUNT', 'ACCESS') NOT NULL,
    max_uses            INT UNSIGNED NOT NULL,
    used                INT UNSIGNED NOT NULL DEFAULT 0,
    percent_off         SMALLINT UNSIGNED NULL,
    amount_off_cents    BIGINT NULL,
    max_tickets_per_use INT UNSIGNED NULL,
    valid_from          DATETIME(3) NULL,
    valid_until         DATETIME(3) NULL,
    sections            TEXT NULL,  -- a JSON array of section names; NULL: every section
    created_by          VARCHAR(128) NOT NULL,
    created_at          DATETIME(3) NOT NULL,
    deleted_at          DATETIME(3) NULL,
    PRIMARY KEY (event_id, code),
    CONSTRAINT event_codes_event FOREIGN KEY (event_id) REFERENCES events (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE code_uses (
    booking_id    CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    event_id      CHAR(36) CHARACTER SET ascii NOT NULL,
    code          VARCHAR(32) CHARACTER SET ascii NOT NULL,
    taken_at      DATETIME(3) NOT NULL,
    given_back_at DATETIME(3) NULL,
    KEY code_uses_code (event_id, code),
    CONSTRAINT code_uses_code FOREIGN KEY (event_id, code) REFERENCES event_codes (event_id, code),
    CONSTRAINT code_uses_booking FOREIGN KEY (booking_id) REFERENCES bookings (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- What a booking took a code for: the code and its discount per ticket, fixed at the sale.
ALTER TABLE bookings
    ADD COLUMN code             VARCHAR(32) CHARACTER SET ascii NULL,
    ADD COLUMN percent_off      SMALLINT UNSIGNED NULL,
    ADD COLUMN amount_off_cents BIGINT NULL;
