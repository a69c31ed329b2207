-- The history and the outbox become one table, `history`: a change and the message announcing it
-- were two rows with one id, written by two inserts in the same transaction; they are now one row,
-- one insert. A row has a message (`topic`, `msg_key`, `payload`: the relay sends it, in `seq` order,
-- and sets `sent_at`), a change (`event_id`, `type`, `actor`, `data`: what the history endpoints
-- read), or both. A change no message announces (a block) is written with `sent_at` already set.
-- Rows are still never updated by the application except for the relay's `claimed_until` and
-- `sent_at`, and never deleted.
ALTER TABLE outbox
    MODIFY topic      VARCHAR(100) NULL,
    MODIFY msg_key    VARCHAR(100) NULL,
    MODIFY payload    MEDIUMTEXT NULL,
    ADD COLUMN event_id   CHAR(36) CHARACTER SET ascii NULL,
    ADD COLUMN booking_id CHAR(36) CHARACTER SET ascii NULL,
    ADD COLUMN type       VARCHAR(40) CHARACTER SET ascii NULL,
    ADD COLUMN actor      VARCHAR(128) NULL,
    ADD COLUMN data       TEXT NULL;

UPDATE outbox o JOIN history h ON h.id = o.id
   SET o.event_id = h.event_id, o.booking_id = h.booking_id, o.type = h.type, o.actor = h.actor,
       o.data = h.data;

INSERT INTO outbox (id, created_at, sent_at, event_id, booking_id, type, actor, data)
SELECT h.id, h.at, h.at, h.event_id, h.booking_id, h.type, h.actor, h.data
  FROM history h
 WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = h.id)
 ORDER BY h.at, h.id;

DROP TABLE history;
RENAME TABLE outbox TO history;
ALTER TABLE history
    RENAME COLUMN created_at TO at,
    RENAME INDEX outbox_id TO history_id,
    RENAME INDEX outbox_unsent TO history_unsent;
ALTER TABLE history ADD KEY history_booking (booking_id, at, id);
