export { spendReport } from './spend-report.ts';
export type { CommitmentStatus, ReconciliationLine, SpendLine, SpendReport } from './spend-report.ts';
export { parseContractCsv } from './contract-csv.ts';
export type { RateCardRow, CommitmentRow, ContractCsv } from './contract-csv.ts';
export { importContracts } from './contract-import.ts';
export type { ContractImport } from './contract-import.ts';
export { loadBudgetsFile } from './budgets-file.ts';
export { sendDailyDigest } from './daily-digest.ts';
