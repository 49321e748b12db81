// The worker's workflow bundle entry point: every workflow the worker registers.
import type { TradeInstructionWorkflow } from '../src/contracts/workflows/tradeInstruction';
import type { WeeklyCycleRunWorkflow } from '../src/contracts/workflows/weeklyCycleRun';
import type { WebhookDeliveryWorkflow } from '../src/contracts/webhooks';
import { webhookDelivery } from './webhookDelivery';
import { tradeInstruction } from './tradeInstruction';
import { weeklyCycleRun } from './weeklyCycleRun';

export { tradeInstruction } from './tradeInstruction';
export { dailyReport } from './dailyReport';
export { weeklyReport } from './weeklyReport';
export { weeklyCycle } from './weeklyCycle';
export { weeklyCycleRun } from './weeklyCycleRun';
export { tripleForkRebalance } from './tripleForkRebalance';
export { positionMonitor } from './positionMonitor';
export { reconciliation } from './reconciliation';
export { webhookDelivery } from './webhookDelivery';
export { webhookSweep } from './webhookSweep';
export { dailyComplianceReport } from './complianceReport';

// Callers start these by name with the contract's signature: the compiler keeps the two in step.
tradeInstruction satisfies TradeInstructionWorkflow;
weeklyCycleRun satisfies WeeklyCycleRunWorkflow;
webhookDelivery satisfies WebhookDeliveryWorkflow;
export { optimization } from './optimization';
export { marketDataCollect } from './marketDataCollect';
export { marketDataBackfill } from './marketDataBackfill';
