-- An event's fees and tax (docs: API.md "Prices: fees, taxes and codes"); they never change once
-- the event exists. A booking keeps the breakdown it was priced at: face, fees, tax and discount,
-- whose sum (less the discount, plus the tax when added on top) is its total_cents.
ALTER TABLE events
    ADD COLUMN fee_per_ticket_cents BIGINT  NOT NULL DEFAULT 0,
    ADD COLUMN fee_per_order_cents  BIGINT  NOT NULL DEFAULT 0,
    ADD COLUMN tax_rate_bps         INT     NOT NULL DEFAULT 0,
    ADD COLUMN prices_include_tax   BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE bookings
    ADD COLUMN face_cents     BIGINT NULL,
    ADD COLUMN fees_cents     BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN tax_cents      BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN discount_cents BIGINT NOT NULL DEFAULT 0;
