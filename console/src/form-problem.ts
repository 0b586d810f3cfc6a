/**
 * A gateway problem shown beside a form, and the fields it names (marked `aria-invalid`): one
 * reading of the gateway's validation detail for every form of the console.
 */
import { useState } from "react";
import { ApiError } from "./api.ts";

/**
 * The fields a gateway validation problem names: its detail reads
 * "invalid request: qualification.uscc: not a valid …; name: too small …".
 */
export function namedFields(error: unknown): string[] {
  if (!(error instanceof ApiError) || error.status !== 400) return [];
  const list = /^invalid request: (.*)$/s.exec(error.message)?.[1];
  if (!list) return [];
  return list
    .split("; ")
    .map((issue) => /^([\w.[\]]+): /.exec(issue)?.[1])
    .filter((path): path is string => path !== undefined)
    .map((path) => path.replace(/\[(\d+)\]/g, ".$1"));
}

/** A gateway problem shown beside a form, and the fields it names (marked invalid). */
interface FormProblem {
  readonly message: string;
  readonly fields: readonly string[];
}

export function useFormProblem() {
  const [problem, setProblem] = useState<FormProblem>();
  const invalid = (path: string) =>
    problem?.fields.some((field) => field === path || field.startsWith(`${path}.`)) ? true : undefined;
  return { problem, setProblem, invalid };
}
