/**
 * Requests to the Jupyter server extension (/lo-jupyter/api/...), which forwards them to the
 * orchestration server with its token: the browser only ever holds Jupyter's own credentials.
 */
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { errorMessage } from './state';

export const NAMESPACE = 'lo-jupyter/api';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

export interface Status {
  connected: boolean;
  url?: string | null;
  version?: string;
  source?: string;
  reason?: string;
}

function url(path: string): string {
  const settings = ServerConnection.makeSettings();
  return URLExt.join(settings.baseUrl, NAMESPACE, path);
}

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const settings = ServerConnection.makeSettings();
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url(path), init, settings);
  } catch (error) {
    throw new ApiError(0, `the Jupyter server did not answer: ${String(error)}`);
  }
  if (!response.ok) {
    throw new ApiError(response.status, errorMessage(response.status, await response.text()));
  }
  return response;
}

/** Call the proxy and return the JSON body's "result" (the API's envelope). */
export async function requestAPI<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await send(path, init);
  const text = await response.text();
  if (!text) {
    return undefined as T;
  }
  const body = JSON.parse(text);
  return (body && typeof body === 'object' && 'result' in body ? body.result : body) as T;
}

/** An orchestration API route (`artifacts`, `observe/x/cancel`, ...) through the proxy. */
export function orchestra<T = unknown>(route: string, init: RequestInit = {}): Promise<T> {
  return requestAPI<T>(`v1/${route}`, init);
}

export function status(): Promise<Status> {
  return requestAPI<Status>('status');
}

/** A binary resource (a plot) as an object URL the caller must revoke. */
export async function blobURL(route: string): Promise<string> {
  const response = await send(`v1/${route}`);
  return URL.createObjectURL(await response.blob());
}

/** The proxied event stream; EventSource sends no headers, so Jupyter's token goes in the URL. */
export function eventsURL(): string {
  const token = PageConfig.getToken();
  const base = url('events');
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}

export function json(method: string, body: unknown): RequestInit {
  return { method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
}
