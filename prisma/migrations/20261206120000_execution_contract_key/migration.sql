-- The last fill of a contract (the price the risk check gives a MARKET order, src/db/positions.ts
-- lastFillPrice) found by an index, not by joining every instruction of the symbol to its
-- executions and sorting them all: that grew with the history (2.4 ms at 310 executions of one
-- symbol, for every MARKET order: bench:e2e, docs/OPERATIONS-CLUSTER.md).
-- An execution's contract: its instruction's symbol, kind (STK, C or P), expiry and strike, set by
-- a trigger on insert, so every path that records fills (src/db/instructions.ts, src/db/books.ts)
-- keys them alike. The trigger's body is an E'' string with \073 for its semicolons: migrate
-- deploy over the pg driver adapter splits a script at every semicolon, dollar quotes included.
ALTER TABLE "executions" ADD COLUMN "contract_key" TEXT;

CREATE OR REPLACE FUNCTION "instruction_contract_key"(p_symbol TEXT, p_action TEXT, p_expiry TEXT, p_strike NUMERIC) RETURNS TEXT LANGUAGE sql IMMUTABLE AS
'SELECT p_symbol || ''|'' || (CASE WHEN right(p_action, 5) = ''_CALL'' THEN ''C'' WHEN right(p_action, 4) = ''_PUT'' THEN ''P'' ELSE ''STK'' END) || ''|'' || coalesce(p_expiry, '''') || ''|'' || coalesce((p_strike::numeric(18, 4))::text, '''')';

CREATE OR REPLACE FUNCTION "executions_contract_key"() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN SELECT "instruction_contract_key"(i.symbol, i.trade_action, i.expiration_date, i.strike_price) INTO NEW.contract_key FROM instructions i WHERE i.id = NEW.instruction_id\073 RETURN NEW\073 END';

CREATE TRIGGER "executions_contract_key"
BEFORE INSERT ON "executions"
FOR EACH ROW EXECUTE FUNCTION "executions_contract_key"();

UPDATE "executions" e SET "contract_key" = "instruction_contract_key"(i.symbol, i.trade_action, i.expiration_date, i.strike_price)
  FROM "instructions" i WHERE i.id = e.instruction_id;

CREATE INDEX "executions_contract_key_created_at_exec_id_idx" ON "executions"("contract_key", "created_at" DESC, "exec_id" DESC);

-- The risk check's other reads that grew with the history, indexed on what is live only (partial
-- indexes: Prisma's schema cannot state them, so they live here alone): a strategy's open orders
-- (src/db/reservations.ts usageSql, open_orders: it scanned every instruction the strategy ever
-- sent) and a symbol's open positions (src/db/riskInputs.ts: every position row ever, closed
-- options included). The predicates are the queries' own, word for word.
CREATE INDEX "instructions_open_by_strategy_idx" ON "instructions"("client_name", "starlab_strategy_id") WHERE status NOT IN ('FILLED', 'CANCELLED', 'REJECTED');
CREATE INDEX "positions_open_by_symbol_idx" ON "positions"("symbol") WHERE quantity <> 0;
