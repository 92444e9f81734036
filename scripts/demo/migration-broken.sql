-- The same migration with the mistakes that reach production: the backfill's WHERE skips the first
-- rows, a typo'd id slips in, the foreign key is forgotten, an enum value is missing, and a cleanup
-- soft-deletes live tasks.
BEGIN;
ALTER TABLE clients ADD COLUMN "onboardingComplete" boolean NOT NULL DEFAULT false;
CREATE TYPE "BillingStatus" AS ENUM ('none', 'trial', 'active', 'canceled');
ALTER TABLE clients ADD COLUMN "billingStatus" "BillingStatus" DEFAULT 'none';
ALTER TABLE onboarding_states ADD COLUMN "clientId" text;
UPDATE onboarding_states SET "clientId" = customer_id WHERE customer_id IS NOT NULL AND id > 3;
UPDATE onboarding_states SET "clientId" = 'c-missing' WHERE id = 4;
CREATE INDEX "clients_onboardingComplete_idx" ON clients ("onboardingComplete");
ALTER TABLE legacy_notes DROP COLUMN body;
DROP TABLE tmp_import;
UPDATE clients SET name = initcap(name);
UPDATE "CustomerTask" SET "deletedAt" = now() WHERE id <= 25;
UPDATE balances SET total = total + 1 WHERE client_id = 'c-7';
COMMIT;
