/** What the gateway answers on an error: application/problem+json. */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status: number;
  readonly detail?: string;
  readonly code?: string;
  readonly requestId?: string;
}

/** A refused or failed API call, carrying the problem's `detail` to show the user. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly requestId?: string,
  ) {
    super(detail);
    this.name = "ApiError";
  }
}

export type Role = "operator" | "bureau" | "holder" | "auditor";

export interface Principal {
  readonly id: string;
  readonly role: Role;
  readonly name: string;
  readonly organization: string;
}

export interface Session {
  readonly principal: Principal;
  readonly csrfToken: string;
  readonly idleExpiresAt: string;
  readonly expiresAt: string;
}

/**
 * The CSRF token lives in this module's memory only: a reload asks GET /v1/session again. The
 * session itself is an HttpOnly cookie the script can neither read nor write.
 */
let csrfToken: string | undefined;
let onUnauthenticated: (() => void) | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when a signed-in call answers 401: the session ended (idle, expired, revoked). */
export function whenUnauthenticated(handler: (() => void) | undefined): void {
  onUnauthenticated = handler;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface RequestOptions {
  readonly method?: "GET" | "POST" | "PUT" | "DELETE";
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** Do not report a 401 as the end of the session (sign-in and the session probe). */
  readonly quiet401?: boolean;
}

/**
 * Sends a request to the gateway's API on this origin with the session cookie, asking for `accept`;
 * answers the response when it is OK, else throws ApiError with the problem's detail.
 */
async function send(path: string, options: RequestOptions, accept: string): Promise<Response> {
  const method = options.method ?? "GET";
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(options.query ?? {}))
    if (value !== undefined && value !== "") url.searchParams.set(name, String(value));
  const headers: Record<string, string> = { accept };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (!SAFE_METHODS.has(method) && csrfToken) headers["x-csrf-token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch {
    throw new ApiError(0, "NETWORK", "The gateway could not be reached. Check that it is running.");
  }
  if (response.ok) return response;
  const text = await response.text();
  const problem = ((text ? safeJson(text) : undefined) ?? {}) as Partial<Problem>;
  if (response.status === 401 && !options.quiet401) onUnauthenticated?.();
  throw new ApiError(
    response.status,
    problem.code ?? `HTTP_${response.status}`,
    problem.detail ?? problem.title ?? `${response.status} ${response.statusText}`,
    problem.requestId,
  );
}

/** Calls the gateway's API and answers its status with the JSON body (where 200 and 201 differ). */
export async function apiResponse<T>(
  path: string,
  options: RequestOptions = {},
): Promise<{ status: number; body: T }> {
  const response = await send(path, options, "application/json");
  const text = await response.text();
  return { status: response.status, body: (text ? safeJson(text) : undefined) as T };
}

/** Calls the gateway's API on this origin with the session cookie; throws ApiError with the problem's detail. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await apiResponse<T>(path, options)).body;
}

/**
 * A file the gateway answers in the format `accept` names (a statement's signed JSON, CSV or PDF):
 * its bytes as sent, and the name its `content-disposition` gives it.
 */
export async function apiFile(
  path: string,
  accept: string,
  options: RequestOptions = {},
): Promise<{ blob: Blob; filename: string | undefined }> {
  const response = await send(path, options, accept);
  const disposition = response.headers.get("content-disposition") ?? "";
  return { blob: await response.blob(), filename: /filename="([^"]+)"/.exec(disposition)?.[1] };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 300) };
  }
}

export const errorMessage = (error: unknown): string =>
  error instanceof ApiError
    ? `${error.message}${error.code.startsWith("HTTP_") ? "" : ` (${error.code})`}`
    : error instanceof Error
      ? error.message
      : String(error);

/**
 * Every item of a paged list (`{ [name]: T[], next }`), following `next` to the last page: for
 * screens that show a whole list that is small by nature (a review queue, a dataset's versions).
 */
export async function apiAll<T>(path: string, name: string, options: RequestOptions = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<Record<string, unknown> & { next: string | null }>(path, {
      ...options,
      query: { ...options.query, limit: 500, cursor },
    });
    items.push(...((page[name] ?? []) as T[]));
    cursor = page.next ?? undefined;
  } while (cursor !== undefined);
  return items;
}
