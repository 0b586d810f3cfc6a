/**
 * The fictional city bureau's geography: the districts and banners of Hohhot (呼和浩特市) with their
 * administrative division codes (GB/T 2260), relative resident populations (close to the 2020
 * census), and the economic factors the generator uses. Figures are plausible, not official.
 */
export interface District {
  /** GB/T 2260 code: the first six digits of residents' ID numbers and of credit codes. */
  readonly code: string;
  readonly name: string;
  readonly urban: boolean;
  /** Share of the city's residents. */
  readonly populationWeight: number;
  /** Share of the city's registered enterprises. */
  readonly enterpriseWeight: number;
  /** Multiplier on earned income relative to the city as a whole. */
  readonly incomeFactor: number;
}

export const DISTRICTS: readonly District[] = [
  {
    code: "150102",
    name: "新城区",
    urban: true,
    populationWeight: 0.226,
    enterpriseWeight: 0.23,
    incomeFactor: 1.1,
  },
  {
    code: "150103",
    name: "回民区",
    urban: true,
    populationWeight: 0.147,
    enterpriseWeight: 0.14,
    incomeFactor: 1.0,
  },
  {
    code: "150104",
    name: "玉泉区",
    urban: true,
    populationWeight: 0.129,
    enterpriseWeight: 0.12,
    incomeFactor: 0.97,
  },
  {
    code: "150105",
    name: "赛罕区",
    urban: true,
    populationWeight: 0.292,
    enterpriseWeight: 0.31,
    incomeFactor: 1.15,
  },
  {
    code: "150121",
    name: "土默特左旗",
    urban: false,
    populationWeight: 0.083,
    enterpriseWeight: 0.06,
    incomeFactor: 0.78,
  },
  {
    code: "150122",
    name: "托克托县",
    urban: false,
    populationWeight: 0.05,
    enterpriseWeight: 0.04,
    incomeFactor: 0.8,
  },
  {
    code: "150123",
    name: "和林格尔县",
    urban: false,
    populationWeight: 0.038,
    enterpriseWeight: 0.05,
    incomeFactor: 0.79,
  },
  {
    code: "150124",
    name: "清水河县",
    urban: false,
    populationWeight: 0.014,
    enterpriseWeight: 0.02,
    incomeFactor: 0.68,
  },
  {
    code: "150125",
    name: "武川县",
    urban: false,
    populationWeight: 0.021,
    enterpriseWeight: 0.03,
    incomeFactor: 0.7,
  },
];

export interface Hospital {
  readonly name: string;
  /** 3 tertiary, 2 secondary, 1 community/township: drives cost. */
  readonly tier: 1 | 2 | 3;
  /** District whose residents mostly use it; null for city-wide hospitals. */
  readonly district: string | null;
}

export const HOSPITALS: readonly Hospital[] = [
  { name: "内蒙古自治区人民医院", tier: 3, district: null },
  { name: "内蒙古医科大学附属医院", tier: 3, district: null },
  { name: "呼和浩特市第一医院", tier: 3, district: null },
  { name: "内蒙古自治区国际蒙医医院", tier: 3, district: null },
  { name: "内蒙古自治区妇幼保健院", tier: 3, district: null },
  { name: "呼和浩特市中蒙医院", tier: 2, district: "150103" },
  { name: "新城区东街社区卫生服务中心", tier: 1, district: "150102" },
  { name: "回民区海拉尔西路社区卫生服务中心", tier: 1, district: "150103" },
  { name: "玉泉区小召前街社区卫生服务中心", tier: 1, district: "150104" },
  { name: "赛罕区大学西路社区卫生服务中心", tier: 1, district: "150105" },
  { name: "呼和浩特市第二医院", tier: 2, district: "150105" },
  { name: "土默特左旗医院", tier: 2, district: "150121" },
  { name: "托克托县医院", tier: 2, district: "150122" },
  { name: "和林格尔县人民医院", tier: 2, district: "150123" },
  { name: "清水河县医院", tier: 2, district: "150124" },
  { name: "武川县医院", tier: 2, district: "150125" },
];

export interface Station {
  readonly name: string;
  readonly district: string;
  /** Multipliers for local emission sources: traffic, industry, heating coal. */
  readonly traffic: number;
  readonly industry: number;
}

/** A dozen air-quality monitoring stations; four urban national-control sites, the rest county sites. */
export const STATIONS: readonly Station[] = [
  { name: "工业大学", district: "150102", traffic: 1.2, industry: 1.0 },
  { name: "二监", district: "150102", traffic: 1.1, industry: 1.05 },
  { name: "小召", district: "150104", traffic: 1.25, industry: 0.95 },
  { name: "兴松小区", district: "150103", traffic: 1.0, industry: 1.0 },
  { name: "糖厂", district: "150103", traffic: 0.95, industry: 1.25 },
  { name: "如意水处理厂", district: "150105", traffic: 0.9, industry: 1.15 },
  { name: "呼和浩特市环境监测站", district: "150105", traffic: 1.15, industry: 1.0 },
  { name: "土左旗察素齐", district: "150121", traffic: 0.8, industry: 1.1 },
  { name: "托克托县城", district: "150122", traffic: 0.75, industry: 1.5 },
  { name: "和林格尔盛乐", district: "150123", traffic: 0.8, industry: 1.1 },
  { name: "清水河县城", district: "150124", traffic: 0.6, industry: 0.9 },
  { name: "武川县城", district: "150125", traffic: 0.6, industry: 0.85 },
];

/** Reference date of the demo domain: ages are computed at it, and data covers the year it ends. */
export const REFERENCE_YEAR = 2025;
