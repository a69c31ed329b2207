-- General admission (API v1.1): a section with a capacity instead of rows (rows_count and
-- seats_per_row 0). Its places are seat rows of their own (`{section}-{n}`, row_no 0), so the two
-- layers that guard seats (the Redis hold script, the versioned rows and the unique key on live
-- booking seats) guard them too: a place cannot sell twice, so an area cannot sell past capacity.
ALTER TABLE sections
    ADD COLUMN capacity INT UNSIGNED NULL;
