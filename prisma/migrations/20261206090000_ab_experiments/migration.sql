-- A/B experiments whose arms trade (issue 16): shadow families, experiments, arms, weekly outcomes.
ALTER TABLE "account_families" ADD COLUMN "shadow" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "experiments" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'RUNNING',
    "base_config" JSONB NOT NULL,
    "variant_config" JSONB NOT NULL,
    "base_version" INTEGER NOT NULL,
    "options" JSONB NOT NULL,
    "created_by" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "verdict" JSONB,
    "recommendation_id" TEXT,
    "stopped_by" TEXT,
    "stop_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMP(3),

    CONSTRAINT "experiments_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "experiment_arms" (
    "experiment_id" TEXT NOT NULL,
    "family_id" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "shadow" BOOLEAN NOT NULL,
    "config_version" INTEGER NOT NULL,
    "previous_override" JSONB,

    CONSTRAINT "experiment_arms_pkey" PRIMARY KEY ("experiment_id","family_id")
);
CREATE INDEX "experiment_arms_family_id_idx" ON "experiment_arms"("family_id");

CREATE TABLE "experiment_outcomes" (
    "experiment_id" TEXT NOT NULL,
    "family_id" TEXT NOT NULL,
    "week" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "config_version" INTEGER NOT NULL,
    "capital_cents" BIGINT NOT NULL,
    "premium_cents" BIGINT NOT NULL,
    "commission_cents" BIGINT NOT NULL,
    "assignments" INTEGER NOT NULL,
    "return_on_capital" DOUBLE PRECISION NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "experiment_outcomes_pkey" PRIMARY KEY ("experiment_id","family_id","week")
);

ALTER TABLE "experiment_arms" ADD CONSTRAINT "experiment_arms_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "experiment_outcomes" ADD CONSTRAINT "experiment_outcomes_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
