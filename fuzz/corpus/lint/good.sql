-- Onboarding: eight new columns on clients, a status enum, onboarding_states linked to its client.
SET lock_timeout = '5s';
CREATE TYPE "OnboardingStatus" AS ENUM ('pending', 'active', 'done');
ALTER TABLE clients
    ADD COLUMN "onboardingComplete" boolean NOT NULL DEFAULT false,
    ADD COLUMN "onboardingStatus" "OnboardingStatus" NOT NULL DEFAULT 'pending',
    ADD COLUMN "trialEndsAt" timestamptz,
    ADD COLUMN seats integer NOT NULL DEFAULT 1,
    ADD COLUMN plan text NOT NULL DEFAULT 'free',
    ADD COLUMN country text,
    ADD COLUMN "createdVia" text DEFAULT 'web',
    ADD COLUMN "updatedAt" timestamptz NOT NULL DEFAULT now();
-- Backfill: every onboarding state gets its customer's client.
UPDATE onboarding_states o SET "clientId" = c.client_ref
  FROM customers c WHERE c.id = o.customer_id AND o."clientId" IS NULL;
ALTER TABLE onboarding_states ADD CONSTRAINT onboarding_states_client_fk
    FOREIGN KEY ("clientId") REFERENCES clients (id) NOT VALID;
ALTER TABLE onboarding_states VALIDATE CONSTRAINT onboarding_states_client_fk;
ALTER TABLE onboarding_states ADD CONSTRAINT onboarding_states_client_not_null CHECK ("clientId" IS NOT NULL) NOT VALID;
ALTER TABLE onboarding_states VALIDATE CONSTRAINT onboarding_states_client_not_null;
ALTER TABLE onboarding_states ALTER COLUMN "clientId" SET NOT NULL;
CREATE UNIQUE INDEX CONCURRENTLY onboarding_states_client_key ON onboarding_states ("clientId");
ALTER TABLE onboarding_states ADD CONSTRAINT onboarding_states_client_unique UNIQUE USING INDEX onboarding_states_client_key;
