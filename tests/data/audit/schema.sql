-- A Prisma-style schema (quoted camelCase names, Prisma's own migrations table) for the audit tests
-- (tests/integration/AuditTest.cpp): clients, and onboarding states that name their customer.
SET client_min_messages = warning;
CREATE TABLE "_prisma_migrations" (
    "id" varchar(36) PRIMARY KEY, "checksum" varchar(64) NOT NULL, "finished_at" timestamptz, "migration_name" varchar(255) NOT NULL,
    "logs" text, "rolled_back_at" timestamptz, "started_at" timestamptz NOT NULL DEFAULT now(), "applied_steps_count" integer NOT NULL DEFAULT 0);
INSERT INTO "_prisma_migrations" VALUES ('0b1c', 'e3b0c442', '2026-01-01 00:00:00+00', '20260101000000_init', NULL, NULL, '2026-01-01 00:00:00+00', 1);
CREATE TABLE "Client" ("id" text PRIMARY KEY, "displayName" text NOT NULL);
CREATE TABLE "OnboardingState" ("id" serial PRIMARY KEY, "customerId" text REFERENCES "Client"("id"), "step" text NOT NULL);
INSERT INTO "Client" VALUES ('c1', 'One'), ('c2', 'Two'), ('c3', 'Three');
INSERT INTO "OnboardingState" ("customerId", "step") VALUES ('c1', 'signup'), ('c2', 'signup'), ('c3', 'profile'), (NULL, 'signup');
