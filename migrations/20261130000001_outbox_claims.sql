-- The relay claims outbox rows for a while instead of holding their row locks across the send to
-- Kafka: claim (commit), send, mark sent. A relay that dies leaves its claim to lapse.
ALTER TABLE outbox ADD COLUMN claimed_until DATETIME(3) NULL;
