/**
 * Diagnoses (ICD-10) seen at Hohhot hospitals in the demo domain. Weights are relative frequencies
 * by age band, so children mostly have respiratory infections and the old mostly chronic disease;
 * `season` makes respiratory visits peak in the long Inner Mongolian winter.
 */
export const AGE_BANDS = ["0-14", "15-44", "45-64", "65+"] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

export interface Diagnosis {
  readonly code: string;
  readonly label: string;
  /** Median cost of one visit in CNY at a secondary hospital. */
  readonly baseCost: number;
  readonly weights: Readonly<Record<AgeBand, number>>;
  readonly sex?: "male" | "female";
  readonly season?: "winter";
}

export const DIAGNOSES: readonly Diagnosis[] = [
  {
    code: "J06.9",
    label: "急性上呼吸道感染",
    baseCost: 180,
    weights: { "0-14": 30, "15-44": 14, "45-64": 8, "65+": 5 },
    season: "winter",
  },
  {
    code: "J20.9",
    label: "急性支气管炎",
    baseCost: 320,
    weights: { "0-14": 12, "15-44": 5, "45-64": 5, "65+": 6 },
    season: "winter",
  },
  {
    code: "J18.9",
    label: "肺炎",
    baseCost: 4200,
    weights: { "0-14": 6, "15-44": 1.5, "45-64": 2.5, "65+": 6 },
    season: "winter",
  },
  {
    code: "J44.9",
    label: "慢性阻塞性肺疾病",
    baseCost: 2600,
    weights: { "0-14": 0, "15-44": 0.3, "45-64": 3, "65+": 8 },
    season: "winter",
  },
  { code: "J45.9", label: "哮喘", baseCost: 600, weights: { "0-14": 4, "15-44": 2, "45-64": 2, "65+": 2 } },
  {
    code: "A09",
    label: "感染性腹泻和胃肠炎",
    baseCost: 260,
    weights: { "0-14": 10, "15-44": 5, "45-64": 3, "65+": 3 },
  },
  {
    code: "H66.9",
    label: "中耳炎",
    baseCost: 230,
    weights: { "0-14": 6, "15-44": 1, "45-64": 0.5, "65+": 0.5 },
  },
  { code: "K29.7", label: "胃炎", baseCost: 420, weights: { "0-14": 1, "15-44": 8, "45-64": 7, "65+": 5 } },
  {
    code: "K80.2",
    label: "胆囊结石",
    baseCost: 9800,
    weights: { "0-14": 0, "15-44": 1, "45-64": 2.5, "65+": 2.5 },
  },
  { code: "M54.5", label: "腰痛", baseCost: 380, weights: { "0-14": 0.2, "15-44": 7, "45-64": 8, "65+": 6 } },
  {
    code: "M17.9",
    label: "膝关节病",
    baseCost: 700,
    weights: { "0-14": 0, "15-44": 0.5, "45-64": 4, "65+": 7 },
  },
  {
    code: "I10",
    label: "原发性高血压",
    baseCost: 260,
    weights: { "0-14": 0, "15-44": 3, "45-64": 14, "65+": 18 },
  },
  {
    code: "I25.1",
    label: "冠状动脉粥样硬化性心脏病",
    baseCost: 6800,
    weights: { "0-14": 0, "15-44": 0.3, "45-64": 4, "65+": 9 },
  },
  {
    code: "I63.9",
    label: "脑梗死",
    baseCost: 16500,
    weights: { "0-14": 0, "15-44": 0.2, "45-64": 2, "65+": 6 },
  },
  {
    code: "E11.9",
    label: "2型糖尿病",
    baseCost: 340,
    weights: { "0-14": 0.1, "15-44": 2, "45-64": 9, "65+": 10 },
  },
  {
    code: "C34.9",
    label: "支气管和肺恶性肿瘤",
    baseCost: 26000,
    weights: { "0-14": 0, "15-44": 0.1, "45-64": 0.8, "65+": 1.5 },
  },
  {
    code: "N39.0",
    label: "泌尿道感染",
    baseCost: 300,
    weights: { "0-14": 1, "15-44": 3, "45-64": 2.5, "65+": 3 },
  },
  {
    code: "N40",
    label: "前列腺增生",
    baseCost: 900,
    weights: { "0-14": 0, "15-44": 0, "45-64": 3, "65+": 7 },
    sex: "male",
  },
  {
    code: "O80",
    label: "单胎顺产",
    baseCost: 5200,
    weights: { "0-14": 0, "15-44": 4, "45-64": 0, "65+": 0 },
    sex: "female",
  },
  {
    code: "S82.9",
    label: "小腿骨折",
    baseCost: 14000,
    weights: { "0-14": 1, "15-44": 1.5, "45-64": 1.2, "65+": 1.5 },
  },
  {
    code: "S06.0",
    label: "脑震荡",
    baseCost: 2500,
    weights: { "0-14": 1, "15-44": 1, "45-64": 0.6, "65+": 0.8 },
  },
  { code: "K02.9", label: "龋病", baseCost: 280, weights: { "0-14": 7, "15-44": 4, "45-64": 3, "65+": 2 } },
  {
    code: "F32.9",
    label: "抑郁发作",
    baseCost: 650,
    weights: { "0-14": 0.3, "15-44": 2, "45-64": 1.5, "65+": 1 },
  },
  {
    code: "Z00.0",
    label: "一般医学检查",
    baseCost: 350,
    weights: { "0-14": 6, "15-44": 6, "45-64": 7, "65+": 6 },
  },
];

/** Mean outpatient and inpatient visits per resident per year, by age band; women of child-bearing age visit more. */
export const VISIT_RATE: Readonly<Record<AgeBand, number>> = {
  "0-14": 3.2,
  "15-44": 2.2,
  "45-64": 4.0,
  "65+": 8.5,
};

/** Relative visit volume by month for winter-peaking diagnoses (index 0 = January). */
export const WINTER_MONTH_WEIGHTS = [1.8, 1.6, 1.3, 0.9, 0.6, 0.5, 0.5, 0.5, 0.7, 1.0, 1.4, 1.8] as const;

export const INSURANCE_TYPES = ["employee_basic", "resident_basic", "commercial", "self_pay"] as const;
