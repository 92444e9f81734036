-- The demo's sample database: a small SaaS billing schema, a few thousand rows.
SET client_min_messages = warning;
CREATE TABLE clients (id text PRIMARY KEY, name text NOT NULL, email text, created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO clients SELECT 'c-' || g, 'Client ' || g, 'client' || g || '@example.com', '2026-01-01'::timestamptz + g * interval '1 hour'
  FROM generate_series(1, 2000) g;

CREATE TABLE onboarding_states (id serial PRIMARY KEY, customer_id text, step text NOT NULL, updated_at timestamptz DEFAULT now());
INSERT INTO onboarding_states (customer_id, step)
  SELECT CASE WHEN g % 10 = 0 THEN NULL ELSE 'c-' || (1 + g % 2000) END, (ARRAY['signup', 'profile', 'billing', 'done'])[1 + g % 4]
  FROM generate_series(1, 3000) g;

CREATE TABLE "CustomerTask" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, client_id text REFERENCES clients(id),
                             title text, "deletedAt" timestamptz);
INSERT INTO "CustomerTask" (client_id, title, "deletedAt")
  SELECT 'c-' || (1 + g % 2000), 'task ' || g, CASE WHEN g % 7 = 0 THEN now() END FROM generate_series(1, 5000) g;

CREATE TABLE ledger (id bigserial PRIMARY KEY, client_id text NOT NULL REFERENCES clients(id), amount numeric(12,2) NOT NULL);
INSERT INTO ledger (client_id, amount) SELECT 'c-' || (1 + g % 2000), round((g % 97) * 1.25, 2) FROM generate_series(1, 8000) g;
CREATE TABLE balances (client_id text PRIMARY KEY REFERENCES clients(id), total numeric(12,2) NOT NULL);
INSERT INTO balances SELECT client_id, sum(amount) FROM ledger GROUP BY client_id;

CREATE TABLE legacy_notes (id serial PRIMARY KEY, client_id text, body text);
INSERT INTO legacy_notes (client_id, body) SELECT 'c-' || g, 'note about client ' || g FROM generate_series(1, 500) g;
CREATE TABLE tmp_import (line int, raw text);
INSERT INTO tmp_import SELECT g, 'raw,' || g FROM generate_series(1, 100) g;
