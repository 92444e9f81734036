SET lock_timeout = '5s';
ALTER TABLE clients ADD COLUMN note text;
ALTER TABLE clients ADD COLUMN oops text NOT NUL;
