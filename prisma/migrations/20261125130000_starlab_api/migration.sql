-- AlterTable
ALTER TABLE "api_clients" ADD COLUMN     "rate_limit_per_minute" INTEGER;

-- CreateTable
CREATE TABLE "segment_limits" (
    "segment" TEXT NOT NULL,
    "capital_limit_cents" BIGINT NOT NULL,
    "max_open_orders_per_strategy" INTEGER,
    "updated_by" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "segment_limits_pkey" PRIMARY KEY ("segment")
);

-- CreateTable
CREATE TABLE "capital_reservations" (
    "instruction_id" TEXT NOT NULL,
    "segment" TEXT NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "released_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "capital_reservations_pkey" PRIMARY KEY ("instruction_id")
);

-- CreateIndex
CREATE INDEX "capital_reservations_segment_released_at_idx" ON "capital_reservations"("segment", "released_at");
