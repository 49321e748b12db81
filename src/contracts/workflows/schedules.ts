/**
 * The ids of ALL-USE's Temporal Schedules, shared by the code that creates them (src/schedules.ts,
 * src/reports/schedules.ts) and the readiness probe that checks them. Sandbox-safe.
 */
export const WEEKLY_CYCLE_SCHEDULE_ID = 'all-use-weekly-cycle';
export const DAILY_REPORT_SCHEDULE_ID = 'all-use-daily-report';
export const WEEKLY_REPORT_SCHEDULE_ID = 'all-use-weekly-report';
export const COMPLIANCE_REPORT_SCHEDULE_ID = 'all-use-daily-compliance-report';
export const WEBHOOK_SWEEP_SCHEDULE_ID = 'all-use-webhook-sweep';
