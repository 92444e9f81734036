CREATE TABLE clients (id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE customers (id integer PRIMARY KEY, client_ref text, email text);
CREATE TABLE onboarding_states (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id), "clientId" text);
