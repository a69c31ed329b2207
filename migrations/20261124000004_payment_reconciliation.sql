-- The sweep asks the provider about payments left PROCESSING (a crash between the charge and its
-- settlement, or a webhook that never came): found by status and age.
CREATE INDEX payments_processing ON payments (status, created_at);
