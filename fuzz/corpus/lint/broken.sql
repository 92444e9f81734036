-- The same migration as good.sql, done the risky way.
SET lock_timeout = '5s';
CREATE TYPE "OnboardingStatus" AS ENUM ('pending', 'active', 'done');
ALTER TABLE clients ADD COLUMN "onboardingComplete" boolean NOT NULL DEFAULT false;
UPDATE onboarding_states o SET "clientId" = c.client_ref
  FROM customers c WHERE c.id = o.customer_id AND o."clientId" IS NULL;
ALTER TABLE onboarding_states ALTER COLUMN "clientId" SET NOT NULL;
ALTER TABLE onboarding_states ADD CONSTRAINT onboarding_states_client_fk FOREIGN KEY ("clientId") REFERENCES clients (id);
CREATE UNIQUE INDEX onboarding_states_client_key ON onboarding_states ("clientId");
ALTER TABLE customers DROP COLUMN email;
