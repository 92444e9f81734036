-- Constraints over data that is already there (no backfill before them): lint --db knows the answer.
SET lock_timeout = '5s';
ALTER TABLE onboarding_states ALTER COLUMN "clientId" SET NOT NULL;
ALTER TABLE onboarding_states ADD CONSTRAINT onboarding_states_client_fk FOREIGN KEY ("clientId") REFERENCES clients (id) NOT VALID;
ALTER TABLE onboarding_states VALIDATE CONSTRAINT onboarding_states_client_fk;
CREATE UNIQUE INDEX CONCURRENTLY onboarding_states_client_key ON onboarding_states ("clientId");
ALTER TABLE clients ADD COLUMN region text NOT NULL;
