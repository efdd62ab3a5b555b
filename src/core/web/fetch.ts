// One guarded GET for web_fetch. The host is resolved here and every address it resolves to is judged
// (./addresses.ts) before anything connects; the connection then goes to the address that was judged (the URL's host
// stays in the Host header and the TLS server name), so a DNS answer that changes between check and connect cannot
// redirect it. Redirects are followed by hand, each hop judged again; a hop to another host is followed only when
// [tools] fetch_allow allows that host (otherwise the model is told where it leads and may ask for it). The body is
// read up to a byte cap, all of it within one time limit.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { listening } from "../kernel/listening";
import { hostAllowed } from "../permission/domains";
import { classifyAddress, isLocalAddress } from "./addresses";

export interface FetchPolicy {
  /** Hosts a redirect may lead to ([tools] fetch_allow). */
  allow: readonly string[];
  /** Which loopback / private-network addresses may be reached ([tools] fetch_allow_private: all or none). */
  allowPrivate: (address: string) => boolean;
  maxBytes: number;
  timeoutMs: number;
  userAgent: string;
  /** Name resolution (tests replace it); every address returned is judged. */
  resolve?: (host: string) => Promise<string[]>;
}

export interface FetchedPage {
  url: string;
  /** Where the body came from after redirects. */
  finalUrl: string;
  redirects: string[];
  status: number;
  statusText: string;
  contentType: string;
  body: Uint8Array;
  /** The body was cut at maxBytes. */
  truncated: boolean;
  /** A redirect that was not followed because it leaves for a host outside fetch_allow. */
  redirectNotFollowed?: string;
}

/** Refusals the model should read (blocked address, bad URL, too many redirects). */
export class FetchRefused extends Error {
  override name = "FetchRefused";
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const defaultResolve = async (host: string) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Checks a URL before any connection: http(s), no credentials. Returns it parsed. */
export function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefused(`'${raw}' is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FetchRefused(`only http and https URLs can be fetched, not ${url.protocol}`);
  if (url.username || url.password) throw new FetchRefused("URLs with credentials (user:password@) are not fetched");
  return url;
}

/** The address to connect to for this URL, after judging every address its host resolves to. */
async function addressFor(url: URL, policy: FetchPolicy): Promise<string> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await (policy.resolve ?? defaultResolve)(host);
    } catch (error) {
      throw new FetchRefused(`cannot resolve ${host}: ${(error as Error).message}`);
    }
    if (!addresses.length) throw new FetchRefused(`${host} has no address`);
  }
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  for (const address of addresses) {
    if (listening.has(port) && isLocalAddress(address)) throw new FetchRefused(`${url.host} is this server itself (${address}, port ${port}); web_fetch does not call its own server`);
    const verdict = classifyAddress(address);
    if (verdict.kind === "forbidden" || (verdict.kind === "private" && !policy.allowPrivate(address))) {
      const hint = verdict.kind === "private" ? " (allowed only with [tools] fetch_allow_private = true)" : "";
      throw new FetchRefused(`${host} resolves to ${address}, ${verdict.reason}: not fetched${hint}`);
    }
  }
  return addresses[0]!;
}

/** Fetches a URL under the policy; throws FetchRefused for what the guard refuses, other errors for network failures. */
export async function guardedFetch(raw: string, policy: FetchPolicy, signal: AbortSignal): Promise<FetchedPage> {
  const limit = AbortSignal.any([signal, AbortSignal.timeout(policy.timeoutMs)]);
  const first = checkUrl(raw);
  const redirects: string[] = [];
  let url = first;
  for (let hop = 0; ; hop++) {
    const address = await addressFor(url, policy);
    const pinned = new URL(url);
    pinned.hostname = address.includes(":") ? `[${address}]` : address;
    const named = !isIP(url.hostname.replace(/^\[|\]$/g, ""));
    const response = await fetch(pinned, {
      method: "GET",
      redirect: "manual",
      signal: limit,
      headers: { host: url.host, "user-agent": policy.userAgent, accept: "text/html, text/plain;q=0.9, application/json;q=0.8, */*;q=0.5" },
      ...(named && url.protocol === "https:" ? { tls: { serverName: url.hostname } } : {}),
    });
    const location = response.headers.get("location");
    if (REDIRECTS.has(response.status) && location) {
      await response.body?.cancel();
      const next = checkUrl(new URL(location, url).href);
      if (hop + 1 > MAX_REDIRECTS) throw new FetchRefused(`more than ${MAX_REDIRECTS} redirects (last: ${next.href})`);
      if (next.hostname !== url.hostname && !hostAllowed(next.hostname, policy.allow)) {
        return { url: first.href, finalUrl: url.href, redirects, status: response.status, statusText: response.statusText, contentType: "", body: new Uint8Array(), truncated: false, redirectNotFollowed: next.href };
      }
      redirects.push(next.href);
      url = next;
      continue;
    }
    const { body, truncated } = await readCapped(response, policy.maxBytes);
    return { url: first.href, finalUrl: url.href, redirects, status: response.status, statusText: response.statusText, contentType: response.headers.get("content-type") ?? "", body, truncated };
  }
}

/** The body up to `max` bytes (after decompression); the rest is not read. */
async function readCapped(response: Response, max: number): Promise<{ body: Uint8Array; truncated: boolean }> {
  if (!response.body) return { body: new Uint8Array(), truncated: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  const reader = response.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > max) {
      chunks.push(value.subarray(0, max - size));
      size = max;
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { body: Buffer.concat(chunks), truncated };
}
