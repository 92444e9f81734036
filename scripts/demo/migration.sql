-- The release's migration, as a team would write it: additive columns, an enum, a backfill with a
-- foreign key, an index, a dropped legacy column and a dropped scratch table, a data fix on names.
BEGIN;
ALTER TABLE clients ADD COLUMN "onboardingComplete" boolean NOT NULL DEFAULT false;
CREATE TYPE "BillingStatus" AS ENUM ('none', 'trial', 'active', 'canceled', 'past_due');
ALTER TABLE clients ADD COLUMN "billingStatus" "BillingStatus" DEFAULT 'none';
ALTER TABLE onboarding_states ADD COLUMN "clientId" text;
UPDATE onboarding_states SET "clientId" = customer_id WHERE customer_id IS NOT NULL;
ALTER TABLE onboarding_states ADD CONSTRAINT "onboarding_states_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES clients(id);
CREATE INDEX "clients_onboardingComplete_idx" ON clients ("onboardingComplete");
ALTER TABLE legacy_notes DROP COLUMN body;
DROP TABLE tmp_import;
UPDATE clients SET name = initcap(name);
COMMIT;
