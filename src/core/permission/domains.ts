// Domain allow-lists ([tools] fetch_allow): "docs.python.org" allows that host, "*.python.org" the domain and every
// host under it. Read by the policy (network.fetch is allowed for these hosts, asked for the rest) and by web_fetch
// (a redirect may only leave for a host the list allows).

/** A host as lists compare it: lower-case, no trailing dot, an IPv6 address without its brackets. */
const normalHost = (host: string) => host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");

/** The host of an http(s) URL (normalised); undefined when it does not parse. */
export function hostOf(url: string): string | undefined {
  try {
    return normalHost(new URL(url).hostname) || undefined;
  } catch {
    return undefined;
  }
}

export function hostAllowed(host: string, allowList: readonly string[]): boolean {
  const h = normalHost(host);
  return allowList.some((entry) => {
    const domain = normalHost(entry);
    if (domain.startsWith("*.")) return h === domain.slice(2) || h.endsWith(domain.slice(1));
    return h === domain;
  });
}
