-- Every change to an API client (issue, re-issue, revoke, or an operator's own SQL) is announced
-- on channel api_clients_changed, so API processes drop their cached credential lookups at once
-- (src/db/apiClients.ts): a revocation takes effect on the next request, in every process.
-- The body is an E'' string with \073 for its semicolons: migrate deploy over the pg driver
-- adapter splits a script at every semicolon, dollar quotes included.
CREATE OR REPLACE FUNCTION "api_clients_notify"() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN PERFORM pg_notify(''api_clients_changed'', COALESCE(NEW."name", OLD."name"))\073 RETURN NULL\073 END';

CREATE TRIGGER "api_clients_changed"
AFTER INSERT OR UPDATE OR DELETE ON "api_clients"
FOR EACH ROW EXECUTE FUNCTION "api_clients_notify"();
