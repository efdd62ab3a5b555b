// The API key: read once from the URL fragment (`#token=…`, printed by the server at start), kept in
// localStorage, and removed from the address bar so it does not linger in history or screenshots.
const STORAGE_KEY = "penguin.token";
const TOKEN_IN_HASH = /(^|[#&?])token=([^&]*)/;

export function captureTokenFromUrl(): boolean {
  const match = location.hash.match(TOKEN_IN_HASH);
  if (!match) return false;
  const token = decodeURIComponent(match[2] ?? "").trim();
  if (token) saveToken(token);
  let rest = location.hash.replace(TOKEN_IN_HASH, "$1").replace(/[&?]$/, "").replace(/^#[&?]/, "#");
  if (rest === "#") rest = "";
  history.replaceState(history.state, "", location.pathname + location.search + rest);
  return Boolean(token);
}

export function loadToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, token);
  } catch {
    /* private mode: the key lives for this page only */
  }
}

export function clearToken(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    /* ignore */
  }
}
