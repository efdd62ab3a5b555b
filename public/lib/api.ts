// HTTP and WebSocket access to the Penguin API with the caller's key. Every error becomes an ApiError carrying
// the server's envelope ({error:{code,message}}); a 401 also notifies the app so it can ask for a key.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class Api {
  token: string | null = null;
  onUnauthorized: (message: string) => void = () => {};

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { "X-API-Key": this.token, ...extra } : extra;
  }

  async request<T>(method: string, path: string, body?: unknown, options: { silent401?: boolean } = {}): Promise<T> {
    const init: RequestInit = { method, headers: this.headers() };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = this.headers({ "Content-Type": "application/json" });
    }
    let res: Response;
    try {
      res = await fetch(path, init);
    } catch {
      throw new ApiError(0, "NETWORK", "Cannot reach the Penguin server. Check that it is running.");
    }
    const text = await res.text();
    let data: any = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!res.ok) {
      const err = data && typeof data === "object" ? data.error : undefined;
      const message =
        (err && typeof err.message === "string" && err.message) ||
        (data && typeof data.detail === "string" && data.detail) ||
        `${res.status} ${res.statusText || "error"}`;
      const error = new ApiError(res.status, (err && err.code) || `HTTP_${res.status}`, message, (err && err.details) || {});
      if (res.status === 401 && !options.silent401) this.onUnauthorized(message);
      throw error;
    }
    return data as T;
  }

  get<T>(path: string, options?: { silent401?: boolean }) {
    return this.request<T>("GET", path, undefined, options);
  }
  post<T>(path: string, body?: unknown) {
    return this.request<T>("POST", path, body ?? {});
  }
  patch<T>(path: string, body: unknown) {
    return this.request<T>("PATCH", path, body);
  }
  delete<T>(path: string) {
    return this.request<T>("DELETE", path);
  }

  /** ws(s)://… for a path on this server, with the key as ?token= (browsers cannot set WebSocket headers). */
  wsUrl(path: string): string {
    const url = new URL(path, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (this.token) url.searchParams.set("token", this.token);
    return url.toString();
  }
}

export const isMissingRoute = (error: unknown) => error instanceof ApiError && (error.status === 404 || error.status === 405);
