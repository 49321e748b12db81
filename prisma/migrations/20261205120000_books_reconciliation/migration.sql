-- CreateTable
CREATE TABLE "book_entries" (
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "owner_kind" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "sec_type" TEXT NOT NULL,
    "expiry" TEXT NOT NULL DEFAULT '',
    "strike" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "right" TEXT NOT NULL DEFAULT '',
    "quantity" INTEGER NOT NULL,
    "price" DECIMAL(18,4) NOT NULL,
    "cash_cents" BIGINT NOT NULL,
    "commission_cents" BIGINT NOT NULL DEFAULT 0,
    "realized_pnl_cents" BIGINT NOT NULL DEFAULT 0,
    "exec_id" TEXT,
    "executed_at" TEXT,
    "run_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "book_entries_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "reconciliation_runs" (
    "id" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "broker_time" TIMESTAMP(3) NOT NULL,
    "differences" INTEGER NOT NULL,
    "explained" INTEGER NOT NULL,
    "unexplained" INTEGER NOT NULL,
    "reduce_only" TEXT[],
    "body" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reconciliation_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "book_entries_owner_kind_owner_id_idx" ON "book_entries"("owner_kind", "owner_id");

-- CreateIndex
CREATE INDEX "book_entries_exec_id_idx" ON "book_entries"("exec_id");

-- CreateIndex
CREATE INDEX "reconciliation_runs_created_at_idx" ON "reconciliation_runs"("created_at");
