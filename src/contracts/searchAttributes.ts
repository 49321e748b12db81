/**
 * Custom search attributes ALL-USE registers, so operators can filter workflows in the
 * Web UI and with `temporal workflow list --query "StarlabStrategyId='S1'"`.
 * Keyword type: exact-match filters. The worker, workflows and the API all use these names.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTES = {
  InstructionId: 'Keyword',
  StarlabStrategyId: 'Keyword',
  SchemeType: 'Keyword',
  TradeSymbol: 'Keyword',
  InstructionSource: 'Keyword',
  ClientOrderId: 'Keyword',
  AccountFamilyId: 'Keyword',
  TradingWeek: 'Keyword',
} as const;

export const SA = {
  instructionId: defineSearchAttributeKey('InstructionId', SearchAttributeType.KEYWORD),
  starlabStrategyId: defineSearchAttributeKey('StarlabStrategyId', SearchAttributeType.KEYWORD),
  schemeType: defineSearchAttributeKey('SchemeType', SearchAttributeType.KEYWORD),
  symbol: defineSearchAttributeKey('TradeSymbol', SearchAttributeType.KEYWORD),
  source: defineSearchAttributeKey('InstructionSource', SearchAttributeType.KEYWORD),
  clientOrderId: defineSearchAttributeKey('ClientOrderId', SearchAttributeType.KEYWORD),
  accountFamilyId: defineSearchAttributeKey('AccountFamilyId', SearchAttributeType.KEYWORD),
  tradingWeek: defineSearchAttributeKey('TradingWeek', SearchAttributeType.KEYWORD),
};
