-- Market-data store (issue 15): time-partitioned tables kept out of schema.prisma (Prisma has no
-- declarative partitioning), read and written with plain SQL by src/db/marketData.ts.
-- Partitions (a year for daily bars, a month for quotes and chain snapshots) are created on
-- demand by the ingest code. Money is integer cents. Plain DDL only (adapter-pg splits scripts at every semicolon).

CREATE TABLE "md_daily_bar" (
    "symbol" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "open_c" INTEGER NOT NULL,
    "high_c" INTEGER NOT NULL,
    "low_c" INTEGER NOT NULL,
    "close_c" INTEGER NOT NULL,
    "volume" BIGINT NOT NULL DEFAULT 0,
    "source" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT "md_daily_bar_pkey" PRIMARY KEY ("symbol", "day")
) PARTITION BY RANGE ("day");

CREATE INDEX "md_daily_bar_day_brin" ON "md_daily_bar" USING BRIN ("day");

CREATE TABLE "md_quote" (
    "contract" TEXT NOT NULL,
    "ts" TIMESTAMPTZ NOT NULL,
    "symbol" TEXT NOT NULL,
    "bid_c" INTEGER NOT NULL,
    "ask_c" INTEGER NOT NULL,
    "last_c" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    CONSTRAINT "md_quote_pkey" PRIMARY KEY ("contract", "ts")
) PARTITION BY RANGE ("ts");

CREATE INDEX "md_quote_ts_brin" ON "md_quote" USING BRIN ("ts");

CREATE TABLE "md_option_snapshot" (
    "symbol" TEXT NOT NULL,
    "snapshot_at" TIMESTAMPTZ NOT NULL,
    "expiry" DATE NOT NULL,
    "strike_c" INTEGER NOT NULL,
    "right" CHAR(1) NOT NULL,
    "bid_c" INTEGER NOT NULL,
    "ask_c" INTEGER NOT NULL,
    "last_c" INTEGER NOT NULL,
    "iv" DOUBLE PRECISION,
    "delta" DOUBLE PRECISION,
    "gamma" DOUBLE PRECISION,
    "vega" DOUBLE PRECISION,
    "theta" DOUBLE PRECISION,
    "open_interest" INTEGER,
    "underlying_c" INTEGER,
    "source" TEXT NOT NULL,
    CONSTRAINT "md_option_snapshot_pkey" PRIMARY KEY ("symbol", "snapshot_at", "expiry", "strike_c", "right")
) PARTITION BY RANGE ("snapshot_at");

CREATE INDEX "md_option_snapshot_at_brin" ON "md_option_snapshot" USING BRIN ("snapshot_at");

-- A row that failed a validation rule: kept with its reason, never used. One row per
-- (kind, row_key, rule), so re-ingesting the same bad data does not pile up duplicates.
CREATE TABLE "md_quarantine" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "row_key" TEXT NOT NULL,
    "row_time" TIMESTAMPTZ NOT NULL,
    "rule" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "row" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT "md_quarantine_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "md_quarantine_kind_row_key_rule_key" ON "md_quarantine" ("kind", "row_key", "rule");

CREATE INDEX "md_quarantine_symbol_row_time_idx" ON "md_quarantine" ("symbol", "row_time");
