// Barrel of every workflow the worker registers (bundled into Temporal's sandbox).
export { tradeInstruction } from './tradeInstruction';
