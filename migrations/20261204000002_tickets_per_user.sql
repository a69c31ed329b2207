-- What one user may have of an event in all (holds, pending bookings, live tickets); NULL: no limit
-- but the per-order one. Counted with the seat locks in Redis (docs/SECURITY.md).
ALTER TABLE events ADD COLUMN max_tickets_per_user INT UNSIGNED NULL AFTER max_seats_per_order;
