-- CreateTable
CREATE TABLE "protocol_orders" (
    "client_order_id" TEXT NOT NULL,
    "family_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "week" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "trade_action" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "strike_cents" BIGINT,
    "expiry" TEXT,
    "underlying_cents" BIGINT NOT NULL,
    "atr_cents" BIGINT,
    "entry_day" TEXT NOT NULL,
    "detail" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "protocol_orders_pkey" PRIMARY KEY ("client_order_id")
);

-- CreateIndex
CREATE INDEX "protocol_orders_family_id_week_idx" ON "protocol_orders"("family_id", "week");

-- CreateIndex
CREATE INDEX "protocol_orders_account_id_idx" ON "protocol_orders"("account_id");
