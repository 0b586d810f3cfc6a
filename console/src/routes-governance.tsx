import type { Area } from "./area.ts";
import { CheckpointsPage, PolicyHistoryPage, ReceiptCheckPage } from "./pages/GovernanceAudit.tsx";
import {
  BureauApplicationsPage,
  FreezesPage,
  LicensesPage,
  OperatorsPage,
  TariffsPage,
} from "./pages/GovernanceBureau.tsx";
import { UsagePage } from "./pages/GovernanceHolder.tsx";

/** Bureau, holder and auditor governance pages (console step 2); the API enforces the same roles. */
export const governanceArea: Area = {
  routes: [
    { pattern: /^\/operators$/, roles: ["bureau"], render: () => <OperatorsPage /> },
    { pattern: /^\/bureau\/licenses$/, roles: ["bureau"], render: () => <LicensesPage /> },
    { pattern: /^\/bureau\/applications$/, roles: ["bureau"], render: () => <BureauApplicationsPage /> },
    { pattern: /^\/bureau\/freezes$/, roles: ["bureau"], render: () => <FreezesPage /> },
    { pattern: /^\/bureau\/tariffs$/, roles: ["bureau"], render: () => <TariffsPage /> },
    { pattern: /^\/holder\/usage$/, roles: ["holder"], render: () => <UsagePage scope="holder" /> },
    { pattern: /^\/audit\/checkpoints$/, roles: ["auditor"], render: () => <CheckpointsPage /> },
    { pattern: /^\/audit\/receipts$/, roles: ["auditor"], render: () => <ReceiptCheckPage /> },
    { pattern: /^\/audit\/usage$/, roles: ["auditor"], render: () => <UsagePage scope="auditor" /> },
    { pattern: /^\/audit\/policies$/, roles: ["auditor", "bureau"], render: () => <PolicyHistoryPage /> },
  ],
  nav: {
    bureau: [
      { to: "/bureau/applications", label: "gov.nav.applications" },
      { to: "/operators", label: "gov.nav.operators" },
      { to: "/bureau/licenses", label: "gov.nav.licenses" },
      { to: "/bureau/freezes", label: "gov.nav.freezes" },
      { to: "/bureau/tariffs", label: "gov.nav.tariffs" },
    ],
    holder: [{ to: "/holder/usage", label: "gov.nav.holderUsage" }],
    auditor: [
      { to: "/audit/checkpoints", label: "gov.nav.checkpoints" },
      { to: "/audit/receipts", label: "gov.nav.receipts" },
      { to: "/audit/usage", label: "gov.nav.usage" },
      { to: "/audit/policies", label: "gov.nav.policies" },
    ],
  },
};
