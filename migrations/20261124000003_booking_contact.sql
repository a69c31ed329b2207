-- Where a booking's notifications go: the buyer's email and phone as their token had them when
-- they booked (Cognito's `email` and `phone_number` claims). Kept with the booking, off Kafka.
ALTER TABLE bookings
    ADD COLUMN contact_email VARCHAR(254) NULL AFTER currency,
    ADD COLUMN contact_phone VARCHAR(32) NULL AFTER contact_email;
