-- A chargeback the buyer's bank opened on a booking's payment (Stripe's charge.dispute.*): its
-- latest status, amount and reason, on the booking it disputes (NULL while there is none).
ALTER TABLE bookings
    ADD COLUMN dispute_status       VARCHAR(32) NULL,
    ADD COLUMN dispute_amount_cents BIGINT      NULL,
    ADD COLUMN dispute_reason       VARCHAR(64) NULL;
