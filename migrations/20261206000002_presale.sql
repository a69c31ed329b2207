-- Presale registrations and draws (docs: API.md "Prices: fees, taxes and codes"). A user registers
-- once per event; a draw picks among the registrations without a code, uniformly at random from
-- the seed it keeps, and gives each winner a single-use ACCESS code (in event_codes), all in one
-- transaction with the outbox messages that tell them.
CREATE TABLE presale_registrations (
    event_id      CHAR(36) CHARACTER SET ascii NOT NULL,
    user_id       VARCHAR(128) NOT NULL,
    contact_email VARCHAR(254) NULL,
    contact_phone VARCHAR(32) NULL,
    registered_at DATETIME(3) NOT NULL,
    code          VARCHAR(32) CHARACTER SET ascii NULL,
    draw_id       CHAR(36) CHARACTER SET ascii NULL,
    PRIMARY KEY (event_id, user_id),
    KEY presale_undrawn (event_id, code),
    CONSTRAINT presale_registrations_event FOREIGN KEY (event_id) REFERENCES events (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE presale_draws (
    id       CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    event_id CHAR(36) CHARACTER SET ascii NOT NULL,
    winners  INT UNSIGNED NOT NULL,
    seed     CHAR(64) CHARACTER SET ascii NOT NULL,
    drawn_by VARCHAR(128) NOT NULL,
    drawn_at DATETIME(3) NOT NULL,
    KEY presale_draws_event (event_id, drawn_at),
    CONSTRAINT presale_draws_event FOREIGN KEY (event_id) REFERENCES events (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
