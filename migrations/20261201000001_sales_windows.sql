-- Sales windows and the waiting room (API v1.1). An event sells between `on_sale_at` and
-- `sales_end_at`; existing events keep selling as before: from their creation until they start.
-- `admission_ttl_seconds` set means the event sells only to buyers its waiting room admitted.
-- `version` guards changes (PATCH) under an optimistic check, as every other mutable row.
ALTER TABLE events
    ADD COLUMN on_sale_at            DATETIME(3) NULL,
    ADD COLUMN sales_end_at          DATETIME(3) NULL,
    ADD COLUMN admit_per_minute      INT UNSIGNED NULL,
    ADD COLUMN admission_ttl_seconds INT UNSIGNED NULL,
    ADD COLUMN version               BIGINT UNSIGNED NOT NULL DEFAULT 0;

UPDATE events SET on_sale_at = created_at, sales_end_at = starts_at WHERE on_sale_at IS NULL;

ALTER TABLE events
    MODIFY on_sale_at   DATETIME(3) NOT NULL,
    MODIFY sales_end_at DATETIME(3) NOT NULL;
