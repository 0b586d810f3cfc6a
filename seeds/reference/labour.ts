/** Attained education levels, lowest first: the categories of the population register. */
export const EDUCATION_LEVELS = [
  "none",
  "primary",
  "junior_secondary",
  "senior_secondary",
  "college",
  "bachelor",
  "postgraduate",
] as const;

/** Labour-force status categories of the population register. */
export const EMPLOYMENT_STATUSES = [
  "employed",
  "unemployed",
  "student",
  "retired",
  "not_in_labour_force",
] as const;
