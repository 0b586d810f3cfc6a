import type { Role } from "./api.ts";
import type { Area, NavItem } from "./area.ts";
import { StatementPage, StatementsPage } from "./pages/Statements.tsx";

/** Every role reads the statements it may (the API filters them); only the bureau issues. */
const READERS: readonly Role[] = ["bureau", "auditor", "operator", "holder"];
const STATEMENTS: readonly NavItem[] = [{ to: "/statements", label: "stm.nav" }];

/** Settlement statements: the list (with the bureau's issue form) and each statement. */
export const settlementArea: Area = {
  routes: [
    {
      pattern: /^\/statements$/,
      roles: READERS,
      render: (_, session) => <StatementsPage role={session.principal.role} />,
    },
    { pattern: /^\/statements\/([\w-]+)$/, roles: READERS, render: ([id]) => <StatementPage id={id!} /> },
  ],
  nav: { bureau: STATEMENTS, auditor: STATEMENTS, operator: STATEMENTS, holder: STATEMENTS },
};
