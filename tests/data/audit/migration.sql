-- The release as Prisma would write it, with its backfill: an enum, a column linking onboarding states to
-- clients, filled from customerId, then its foreign key.
CREATE TYPE "OnboardingStep" AS ENUM ('signup', 'profile', 'done');
ALTER TABLE "OnboardingState" ADD COLUMN "stage" "OnboardingStep";
ALTER TABLE "OnboardingState" ADD COLUMN "clientId" TEXT;
UPDATE "OnboardingState" SET "clientId" = "customerId" WHERE "customerId" IS NOT NULL;
ALTER TABLE "OnboardingState" ADD CONSTRAINT "OnboardingState_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE SET NULL ON UPDATE CASCADE;
