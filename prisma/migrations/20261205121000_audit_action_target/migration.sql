-- CreateIndex
CREATE INDEX "audit_log_action_target_idx" ON "audit_log"("action", "target");
