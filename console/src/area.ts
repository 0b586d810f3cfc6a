/**
 * The shape of the console's pages and navigation: the base pages (App.tsx) and each area's own
 * (routes-<area>.tsx) are both of it, so neither imports the other for it.
 */
import type { ReactNode } from "react";
import type { Role, Session } from "./api.ts";
import type { MessageKey } from "./i18n.ts";

export interface PageRoute {
  readonly pattern: RegExp;
  /** Roles the page is for; the API enforces the same (a page only reflects it). */
  readonly roles: readonly Role[];
  readonly render: (params: readonly string[], session: Session) => ReactNode;
}

export interface NavItem {
  readonly to: string;
  readonly label: MessageKey;
}

/** An area's own pages and navigation entries (console/src/routes-<area>.tsx), after the base ones. */
export interface Area {
  readonly routes: readonly PageRoute[];
  readonly nav: Partial<Record<Role, readonly NavItem[]>>;
}
