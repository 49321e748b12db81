// Barrel of every workflow the worker registers (bundled into Temporal's sandbox).
export { tradeInstruction } from './tradeInstruction';
export { dailyReport } from './dailyReport';
export { weeklyReport } from './weeklyReport';
export { weeklyCycle } from './weeklyCycle';
export { weeklyCycleRun } from './weeklyCycleRun';
export { tripleForkRebalance } from './tripleForkRebalance';
export { positionMonitor } from './positionMonitor';
export { marketDataCollect } from './marketDataCollect';
export { marketDataBackfill } from './marketDataBackfill';
