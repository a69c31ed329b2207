-- A scan's stored answer is its outcome (`answer`, JSON of the domain's ScanResult; '' for a scan
-- that never reached a ticket), rendered by the HTTP layer on each reply: the HTTP status is no
-- longer stored beside it. A nonce is one ticket's: a retry with the same nonce for the same
-- ticket gets the first answer, for another ticket 409 NONCE_REUSED.
ALTER TABLE checkins DROP COLUMN status;
