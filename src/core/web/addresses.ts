// Which IP addresses web_fetch may connect to. It runs in the server, outside the sandbox, so this is its boundary:
// every address a host resolves to is judged here before a connection is made, on every redirect hop.
//   forbidden (always): unspecified, link-local (169.254/16 holds the cloud metadata services), multicast, reserved,
//                       known metadata addresses, and this server itself (a local address on a port it serves).
//   private (only with [tools] fetch_allow_private): loopback, RFC 1918, carrier-grade NAT, benchmarking, ULA fc00::/7.
// IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are judged by that address too.
import { isIPv4, isIPv6 } from "node:net";
import { networkInterfaces } from "node:os";

export type AddressClass = { kind: "public" } | { kind: "private" | "forbidden"; reason: string };

type V4Range = [base: string, bits: number, kind: "private" | "forbidden", reason: string];

const V4_RANGES: V4Range[] = [
  ["0.0.0.0", 8, "forbidden", "the unspecified address (this host)"],
  ["169.254.0.0", 16, "forbidden", "link-local (cloud metadata services live here)"],
  ["100.100.100.200", 32, "forbidden", "a cloud metadata service"],
  ["224.0.0.0", 4, "forbidden", "multicast"],
  ["240.0.0.0", 4, "forbidden", "reserved"],
  ["127.0.0.0", 8, "private", "loopback"],
  ["10.0.0.0", 8, "private", "a private network"],
  ["172.16.0.0", 12, "private", "a private network"],
  ["192.168.0.0", 16, "private", "a private network"],
  ["100.64.0.0", 10, "private", "carrier-grade NAT"],
  ["192.0.0.0", 24, "private", "IETF protocol assignments"],
  ["198.18.0.0", 15, "private", "a benchmarking network"],
];

const v4ToInt = (ip: string): number => ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);

const V4_TABLE = V4_RANGES.map(([base, bits, kind, reason]) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { net: (v4ToInt(base) & mask) >>> 0, mask, kind, reason };
});

function classifyV4(ip: string): AddressClass {
  const n = v4ToInt(ip);
  for (const range of V4_TABLE) {
    if (((n & range.mask) >>> 0) === range.net) return { kind: range.kind, reason: range.reason };
  }
  return { kind: "public" };
}

/** The eight 16-bit groups of an IPv6 address (a zone id is dropped; a dotted IPv4 tail is folded in). */
export function v6Groups(ip: string): number[] {
  let text = ip.replace(/^\[|\]$/g, "").split("%", 1)[0]!;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const n = v4ToInt(tail[1]!);
    text = text.slice(0, -tail[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const parse = (part: string) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const fill = rest === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right];
}

const v4Of = (hi: number, lo: number) => `${hi >>> 8}.${hi & 0xff}.${lo >>> 8}.${lo & 0xff}`;

function classifyV6(ip: string): AddressClass {
  const g = v6Groups(ip);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return { kind: "forbidden", reason: "the unspecified address (this host)" };
  if (zeros(0, 7) && g[7] === 1) return { kind: "private", reason: "loopback" };
  // fd00:ec2::254, AWS's metadata service over IPv6
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && zeros(2, 7) && g[7] === 0x254) return { kind: "forbidden", reason: "a cloud metadata service" };
  if ((g[0]! & 0xffc0) === 0xfe80) return { kind: "forbidden", reason: "link-local" };
  if ((g[0]! & 0xff00) === 0xff00) return { kind: "forbidden", reason: "multicast" };
  if ((g[0]! & 0xffc0) === 0xfec0) return { kind: "private", reason: "site-local" };
  if ((g[0]! & 0xfe00) === 0xfc00) return { kind: "private", reason: "a unique local (private) network" };

  // forms that carry an IPv4 address: judged by it
  let embedded: string | undefined;
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) embedded = v4Of(g[6]!, g[7]!); // ::ffff:a.b.c.d, ::a.b.c.d
  else if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) embedded = v4Of(g[6]!, g[7]!); // NAT64
  else if (g[0] === 0x2002) embedded = v4Of(g[1]!, g[2]!); // 6to4
  else if (g[0] === 0x2001 && g[1] === 0) embedded = v4Of(g[6]! ^ 0xffff, g[7]! ^ 0xffff); // Teredo client
  if (embedded) {
    const inner = classifyV4(embedded);
    if (inner.kind !== "public") return { kind: inner.kind, reason: `${inner.reason} (${embedded} inside ${ip})` };
  }
  return { kind: "public" };
}

export function classifyAddress(ip: string): AddressClass {
  if (isIPv4(ip)) return classifyV4(ip);
  if (isIPv6(ip.replace(/^\[|\]$/g, "").split("%", 1)[0]!)) return classifyV6(ip);
  return { kind: "forbidden", reason: "not an IP address" };
}

/** Canonical text of an address, so that ::ffff:127.0.0.1 and 127.0.0.1 compare equal to the machine's own. */
function canonical(ip: string): string {
  if (isIPv4(ip)) return ip;
  const g = v6Groups(ip);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return v4Of(g[6]!, g[7]!);
  return g.map((x) => x.toString(16)).join(":");
}

/** Whether the address is this machine: loopback, unspecified, or one of its interfaces' addresses. */
export function isLocalAddress(ip: string): boolean {
  const wanted = canonical(ip);
  if (/^(127|0)\./.test(wanted) || wanted === "0:0:0:0:0:0:0:1" || wanted === "0:0:0:0:0:0:0:0") return true;
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (canonical(entry.address) === wanted) return true;
  }
  return false;
}
