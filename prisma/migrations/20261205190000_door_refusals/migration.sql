-- Instructions refused at the API's door (503 TRADING_HALTED: no workflow, no instruction row),
-- aggregated per client, UTC minute and code so a flood of refused requests adds at most one
-- row per client per minute (src/db/doorRefusals.ts). Read by the compliance report.
CREATE TABLE "door_refusals" (
    "client_name" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "code" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 1,
    "body_hashes" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "first_at" TIMESTAMP(3) NOT NULL,
    "last_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "door_refusals_pkey" PRIMARY KEY ("client_name", "minute", "code")
);

CREATE INDEX "door_refusals_minute_idx" ON "door_refusals"("minute");
