-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "instructions" (
    "id" TEXT NOT NULL,
    "client_name" TEXT NOT NULL,
    "client_order_id" TEXT NOT NULL,
    "starlab_strategy_id" TEXT NOT NULL,
    "scheme_type" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "trade_action" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "order_type" TEXT NOT NULL,
    "limit_price" DECIMAL(18,4),
    "expiration_date" TEXT,
    "strike_price" DECIMAL(18,4),
    "time_in_force" TEXT NOT NULL,
    "account_tag" TEXT,
    "account_id" TEXT,
    "request_hash" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reject_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "instructions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "orders" (
    "id" TEXT NOT NULL,
    "instruction_id" TEXT NOT NULL,
    "order_ref" TEXT NOT NULL,
    "broker_order_id" INTEGER,
    "perm_id" INTEGER,
    "status" TEXT NOT NULL,
    "filled_quantity" INTEGER NOT NULL DEFAULT 0,
    "avg_fill_price" DECIMAL(18,4),
    "commission" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "executions" (
    "exec_id" TEXT NOT NULL,
    "instruction_id" TEXT NOT NULL,
    "shares" INTEGER NOT NULL,
    "price" DECIMAL(18,4) NOT NULL,
    "commission" DECIMAL(18,4),
    "executed_at" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "executions_pkey" PRIMARY KEY ("exec_id")
);

-- CreateTable
CREATE TABLE "positions" (
    "id" TEXT NOT NULL,
    "owner_kind" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "sec_type" TEXT NOT NULL,
    "expiry" TEXT NOT NULL DEFAULT '',
    "strike" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "right" TEXT NOT NULL DEFAULT '',
    "quantity" INTEGER NOT NULL,
    "avg_price" DECIMAL(18,4) NOT NULL,
    "realized_pnl_cents" BIGINT NOT NULL DEFAULT 0,
    "open_instruction_id" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "positions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_families" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "parent_family_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'OPEN',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_families_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "family_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "base_cents" BIGINT NOT NULL,
    "cash_cents" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'OPEN',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entries" (
    "key" TEXT NOT NULL,
    "family_id" TEXT NOT NULL,
    "from_account_id" TEXT,
    "to_account_id" TEXT,
    "amount_cents" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "week" TEXT,
    "detail" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "week_types" (
    "account_id" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "week" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "detail" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "week_types_pkey" PRIMARY KEY ("account_id","symbol","week")
);

-- CreateTable
CREATE TABLE "api_clients" (
    "name" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "api_key_id" TEXT NOT NULL,
    "api_key_hash" TEXT NOT NULL,
    "strategies" TEXT[],
    "scopes" TEXT[],
    "allow_ips" TEXT[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_clients_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "outcome" TEXT NOT NULL,
    "detail" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "strategy_notifications" (
    "id" TEXT NOT NULL,
    "client_name" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'NEW',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "strategy_notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "control_state" (
    "scope" TEXT NOT NULL,
    "halted" BOOLEAN NOT NULL DEFAULT false,
    "reduce_only" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT,
    "updated_by" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "control_state_pkey" PRIMARY KEY ("scope")
);

-- CreateTable
CREATE TABLE "reports" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "period_start" TEXT NOT NULL,
    "period_end" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "instructions_starlab_strategy_id_idx" ON "instructions"("starlab_strategy_id");

-- CreateIndex
CREATE UNIQUE INDEX "instructions_client_name_client_order_id_key" ON "instructions"("client_name", "client_order_id");

-- CreateIndex
CREATE UNIQUE INDEX "orders_instruction_id_key" ON "orders"("instruction_id");

-- CreateIndex
CREATE UNIQUE INDEX "orders_order_ref_key" ON "orders"("order_ref");

-- CreateIndex
CREATE INDEX "executions_instruction_id_idx" ON "executions"("instruction_id");

-- CreateIndex
CREATE UNIQUE INDEX "positions_owner_kind_owner_id_symbol_sec_type_expiry_strike_key" ON "positions"("owner_kind", "owner_id", "symbol", "sec_type", "expiry", "strike", "right");

-- CreateIndex
CREATE INDEX "ledger_entries_family_id_idx" ON "ledger_entries"("family_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_clients_client_id_key" ON "api_clients"("client_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_clients_api_key_id_key" ON "api_clients"("api_key_id");

-- CreateIndex
CREATE INDEX "audit_log_created_at_idx" ON "audit_log"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "reports_kind_period_start_period_end_key" ON "reports"("kind", "period_start", "period_end");

-- AddForeignKey
ALTER TABLE "orders" ADD CONSTRAINT "orders_instruction_id_fkey" FOREIGN KEY ("instruction_id") REFERENCES "instructions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executions" ADD CONSTRAINT "executions_instruction_id_fkey" FOREIGN KEY ("instruction_id") REFERENCES "instructions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "account_families"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
