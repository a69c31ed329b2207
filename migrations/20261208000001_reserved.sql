-- Seats set aside for a presale's access code: the ids and sections the organiser named, and the
-- seats they come to, reserved until the code's `valid_until` (each a JSON array, as `sections`).
ALTER TABLE event_codes
    ADD COLUMN reserved_seat_ids TEXT NULL,
    ADD COLUMN reserved_sections TEXT NULL,
    ADD COLUMN reserved_seats    MEDIUMTEXT NULL;
