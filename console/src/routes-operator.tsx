import type { Area } from "./area.ts";
import { OperatorApplicationsPage } from "./pages/OperatorApplications.tsx";

/** The operator's own pages beyond the base ones: its license applications. */
export const operatorArea: Area = {
  routes: [{ pattern: /^\/applications$/, roles: ["operator"], render: () => <OperatorApplicationsPage /> }],
  nav: { operator: [{ to: "/applications", label: "op.nav.applications" }] },
};
