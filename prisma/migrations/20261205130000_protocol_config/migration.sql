-- CreateTable
CREATE TABLE "protocol_config_versions" (
    "version" SERIAL NOT NULL,
    "scope_kind" TEXT NOT NULL,
    "scope_id" TEXT NOT NULL DEFAULT '',
    "config" JSONB NOT NULL,
    "actor" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "protocol_config_versions_pkey" PRIMARY KEY ("version")
);

-- CreateIndex
CREATE INDEX "protocol_config_versions_scope_kind_scope_id_version_idx" ON "protocol_config_versions"("scope_kind", "scope_id", "version");
