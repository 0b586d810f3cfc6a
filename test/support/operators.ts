import { organizationCodeCheckChar, usccCheckChar } from "../../policies/identifiers.ts";

/** A valid unified social credit code (GB 32100 and GB 11714 check characters), distinct per `n`. */
export function validUscc(n: number): string {
  const org8 = String(10_000_000 + n).slice(-8);
  const first17 = `91150100${org8}${organizationCodeCheckChar(org8)}`;
  return `${first17}${usccCheckChar(first17)}`;
}

/** A registration body for `POST /v1/operators`. */
export function operatorRegistration(
  n: number,
  overrides: { name?: string; approvedPurposes?: string[] } = {},
) {
  return {
    name: overrides.name ?? `Analytics team ${n}`,
    qualification: {
      organization: `测试数据科技有限公司 ${n} (Test Data Technology Co. ${n})`,
      uscc: validUscc(n),
      contact: { name: "Wang Li", phone: "0471-1234567", email: `ops${n}@example.cn` },
      certificate: `DSA-2025-${String(n).padStart(4, "0")}`,
      approvedPurposes: overrides.approvedPurposes ?? ["urban-analytics", "public-health-research"],
    },
  };
}
