-- Only the backfill: it runs on any data, and the plan says whether it was complete.
SET lock_timeout = '5s';
UPDATE onboarding_states o SET "clientId" = c.client_ref
  FROM customers c WHERE c.id = o.customer_id AND o."clientId" IS NULL;
