-- The Stripe provider's own book: the PaymentIntent each payment made (its idempotency key is the
-- payment id) and the Stripe refund each refund row made (its key is the refund id).
CREATE TABLE stripe_intents (
    payment_id  CHAR(36)     NOT NULL PRIMARY KEY,
    intent_id   VARCHAR(255) NOT NULL,
    created_at  DATETIME(3)  NOT NULL,
    UNIQUE KEY stripe_intent (intent_id)
);
CREATE TABLE stripe_refunds (
    refund_id         CHAR(36)     NOT NULL PRIMARY KEY,
    stripe_refund_id  VARCHAR(255) NOT NULL,
    created_at        DATETIME(3)  NOT NULL
);
