-- The same release with its backfill left out: every existing onboarding state keeps NULL in "clientId".
CREATE TYPE "OnboardingStep" AS ENUM ('signup', 'profile', 'done');
ALTER TABLE "OnboardingState" ADD COLUMN "stage" "OnboardingStep";
ALTER TABLE "OnboardingState" ADD COLUMN "clientId" TEXT;
ALTER TABLE "OnboardingState" ADD CONSTRAINT "OnboardingState_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE SET NULL ON UPDATE CASCADE;
