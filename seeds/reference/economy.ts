/**
 * Industries of the national classification (GB/T 4754-2017 sections) with the shares, firm sizes,
 * survival and electricity intensity the generator uses, plus the authorities that issue credit
 * records. Values are plausible for a northern provincial capital, not official statistics.
 */
export interface Industry {
  readonly name: string;
  readonly share: number;
  /** Multiplier on the heavy-tailed employee count. */
  readonly sizeFactor: number;
  /** Annual probability that a firm of this industry closes. */
  readonly hazard: number;
  /** Electricity per employee per month, kWh. */
  readonly kwhPerEmployee: number;
  /** Words that appear in firm names of this industry. */
  readonly nameWords: readonly string[];
}

export const INDUSTRIES: readonly Industry[] = [
  {
    name: "批发和零售业",
    share: 0.33,
    sizeFactor: 0.6,
    hazard: 0.09,
    kwhPerEmployee: 420,
    nameWords: ["商贸", "贸易", "商行", "超市"],
  },
  {
    name: "租赁和商务服务业",
    share: 0.12,
    sizeFactor: 0.7,
    hazard: 0.07,
    kwhPerEmployee: 260,
    nameWords: ["企业管理", "商务咨询", "广告", "人力资源"],
  },
  {
    name: "科学研究和技术服务业",
    share: 0.08,
    sizeFactor: 0.8,
    hazard: 0.06,
    kwhPerEmployee: 300,
    nameWords: ["科技", "技术服务", "检测", "工程设计"],
  },
  {
    name: "建筑业",
    share: 0.08,
    sizeFactor: 1.6,
    hazard: 0.06,
    kwhPerEmployee: 380,
    nameWords: ["建筑工程", "建设", "装饰工程", "路桥"],
  },
  {
    name: "住宿和餐饮业",
    share: 0.07,
    sizeFactor: 0.9,
    hazard: 0.13,
    kwhPerEmployee: 900,
    nameWords: ["餐饮管理", "酒店管理", "烧麦馆", "羊肉馆"],
  },
  {
    name: "制造业",
    share: 0.06,
    sizeFactor: 2.4,
    hazard: 0.05,
    kwhPerEmployee: 2600,
    nameWords: ["乳业", "食品", "机械制造", "新材料", "化工"],
  },
  {
    name: "信息传输、软件和信息技术服务业",
    share: 0.05,
    sizeFactor: 1.0,
    hazard: 0.07,
    kwhPerEmployee: 520,
    nameWords: ["信息技术", "软件", "网络科技", "数据科技"],
  },
  {
    name: "交通运输、仓储和邮政业",
    share: 0.04,
    sizeFactor: 1.3,
    hazard: 0.06,
    kwhPerEmployee: 480,
    nameWords: ["物流", "运输", "仓储", "供应链"],
  },
  {
    name: "农、林、牧、渔业",
    share: 0.04,
    sizeFactor: 1.1,
    hazard: 0.05,
    kwhPerEmployee: 700,
    nameWords: ["农牧业", "牧业", "种养殖", "农业开发"],
  },
  {
    name: "居民服务、修理和其他服务业",
    share: 0.04,
    sizeFactor: 0.5,
    hazard: 0.1,
    kwhPerEmployee: 350,
    nameWords: ["家政服务", "汽车维修", "美容美发", "洗涤"],
  },
  {
    name: "房地产业",
    share: 0.03,
    sizeFactor: 1.1,
    hazard: 0.05,
    kwhPerEmployee: 330,
    nameWords: ["房地产开发", "物业管理", "置业"],
  },
  {
    name: "文化、体育和娱乐业",
    share: 0.025,
    sizeFactor: 0.7,
    hazard: 0.09,
    kwhPerEmployee: 400,
    nameWords: ["文化传媒", "影视", "体育发展"],
  },
  {
    name: "电力、热力、燃气及水生产和供应业",
    share: 0.01,
    sizeFactor: 3.0,
    hazard: 0.03,
    kwhPerEmployee: 6000,
    nameWords: ["能源", "热力", "新能源", "供水"],
  },
  {
    name: "金融业",
    share: 0.015,
    sizeFactor: 1.5,
    hazard: 0.04,
    kwhPerEmployee: 380,
    nameWords: ["融资担保", "小额贷款", "投资"],
  },
];

/** Firms that dominate their county's economy, so dominance rules have something to protect. */
export const ANCHOR_FIRMS = [
  {
    name: "托克托能源发电有限责任公司",
    industry: "电力、热力、燃气及水生产和供应业",
    district: "150122",
    employees: 3400,
    registeredCapital: 1_250_000,
    establishedOn: "1995-11-08",
    monthlyKwh: 118_000_000,
  },
  {
    name: "和林格尔草原乳业集团股份有限公司",
    industry: "制造业",
    district: "150123",
    employees: 16800,
    registeredCapital: 380_000,
    establishedOn: "1999-08-18",
    monthlyKwh: 9_400_000,
  },
] as const;

export const BRAND_CHARS = "鑫达华泰恒盛源祥和兴隆宏博创瑞丰通远金蒙青城北疆草原万嘉德信诚安顺利宇辰昊晟";

export const NAME_PREFIXES: ReadonlyArray<readonly [string, number]> = [
  ["内蒙古", 0.4],
  ["呼和浩特市", 0.45],
  ["", 0.15],
];

export const NAME_SUFFIXES: ReadonlyArray<readonly [string, number]> = [
  ["有限公司", 0.6],
  ["有限责任公司", 0.34],
  ["股份有限公司", 0.06],
];

/** Monthly electricity seasonality: long heating winters, some summer cooling (index 0 = January). */
export const ELECTRICITY_MONTH_FACTORS = [
  1.3, 1.2, 1.05, 0.95, 0.9, 0.95, 1.1, 1.1, 0.9, 0.95, 1.15, 1.3,
] as const;

export const CREDIT_RECORD_TYPES: ReadonlyArray<readonly [string, number]> = [
  ["administrative_license", 0.55],
  ["administrative_penalty", 0.25],
  ["abnormal_operation", 0.12],
  ["commendation", 0.06],
  ["serious_violation", 0.02],
];

export const CREDIT_AUTHORITIES: ReadonlyArray<readonly [string, number]> = [
  ["呼和浩特市市场监督管理局", 0.38],
  ["国家税务总局呼和浩特市税务局", 0.2],
  ["呼和浩特市生态环境局", 0.1],
  ["呼和浩特市住房和城乡建设局", 0.1],
  ["呼和浩特市应急管理局", 0.08],
  ["呼和浩特市人力资源和社会保障局", 0.08],
  ["呼和浩特市卫生健康委员会", 0.06],
];
