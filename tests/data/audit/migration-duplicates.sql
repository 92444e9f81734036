-- A unique handle computed from another table: two clients whose onboarding step is the same get the
-- same handle, so the unique index fails on values that only exist inside the migration.
CREATE TYPE "OnboardingStep" AS ENUM ('signup', 'profile', 'done');
ALTER TABLE "Client" ADD COLUMN "handle" TEXT;
UPDATE "Client" c SET "handle" = o."step" FROM "OnboardingState" o WHERE o."customerId" = c."id";
CREATE UNIQUE INDEX "Client_handle_key" ON "Client"("handle");
