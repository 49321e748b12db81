/** The report repository lives in src/db (Prisma only there); kept as the reports' entry point. */
export * from '../db/reports';
