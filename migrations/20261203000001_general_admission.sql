-- General admission (API v1.1): a section with a capacity instead of rows (rows_count and
-- seats_per_row 0). Its places are seat rows of their own (`{section}-{n}`, row_no 0), so the two
-- layers that guard seats (the Redis hold script, the versioned rows and the unique key on live
-- booking seats) guard them too: a place cannot sell twice, so an area cannot sell past capacity.
ALTER TABLE sections
    ADD COLUMN capacity INT UNSIGNED NULL;

-- The waitlist: one entry per user and event, in the order they joined. Seats that come free are
-- offered to the oldest WAITING entries they fit, as a hold in that user's name (`hold_id`, the
-- seats and its expiry); booking that hold accepts the offer (in the booking's transaction), an
-- offer not taken lapses (EXPIRED) and goes to the next. The contact is kept here for the notice.
CREATE TABLE waitlist (
    event_id         CHAR(36) CHARACTER SET ascii NOT NULL,
    user_id          VARCHAR(128) NOT NULL,
    quantity         INT UNSIGNED NOT NULL,
    section          VARCHAR(20) CHARACTER SET ascii NULL,
    status           ENUM('WAITING', 'OFFERED', 'ACCEPTED', 'EXPIRED', 'LEFT') NOT NULL,
    contact_email    VARCHAR(254) NULL,
    contact_phone    VARCHAR(32) NULL,
    hold_id          CHAR(36) CHARACTER SET ascii NULL,
    offer_seats      TEXT NULL,
    offer_expires_at DATETIME(3) NULL,
    joined_at        DATETIME(3) NOT NULL,
    created_at       DATETIME(3) NOT NULL,
    updated_at       DATETIME(3) NOT NULL,
    version          BIGINT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, user_id),
    KEY waitlist_line (event_id, status, joined_at),
    KEY waitlist_hold (hold_id),
    KEY waitlist_offers (status, offer_expires_at),
    CONSTRAINT waitlist_event FOREIGN KEY (event_id) REFERENCES events (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
