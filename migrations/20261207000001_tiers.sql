-- Price tiers (early bird, waves): a section's tiers as JSON beside its own price, and each
-- booked seat's face value and the tier it sold at, as its hold quoted them (NULL tier: the
-- section's own price). A partial cancel gives back the seat's own face; the report counts by tier.
ALTER TABLE sections ADD COLUMN tiers JSON NULL;
ALTER TABLE booking_seats
    ADD COLUMN price_cents BIGINT NULL,
    ADD COLUMN tier        TINYINT UNSIGNED NULL;
